# expect: E003@3:20
recipe eof_in_train
train { epochs = 12
