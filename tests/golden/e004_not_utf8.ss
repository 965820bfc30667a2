# expect: E004@3:6
recipe latin1
# café
train { epochs = 1 }
