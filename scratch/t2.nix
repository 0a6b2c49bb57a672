{
  a = ''
    x ''${y} '''
    ''\n
  '';
  b = "a\"b\${c}";
  inherit x;
  inherit (pkgs) y z;
  c = foo; # trailing c
}
