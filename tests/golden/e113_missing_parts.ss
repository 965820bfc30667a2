# expect: E113@1:1 E113@1:1 E113@1:1
recipe missing_parts
train { iters = 100 }
