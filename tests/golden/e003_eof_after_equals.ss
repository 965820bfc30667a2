# expect: E003@3:8
recipe eof_after_equals
let x =
