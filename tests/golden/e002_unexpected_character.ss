# expect: E002@4:11
recipe unexpected_character
train { epochs = 12 }
let x = 3 $ 4
