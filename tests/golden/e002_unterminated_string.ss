# expect: E002@4:12
recipe unterminated_string
train { epochs = 12 }
let name = "abc
