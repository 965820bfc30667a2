# expect: E001@3:16
recipe missing_equals
train { epochs 12 }
