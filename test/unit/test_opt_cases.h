/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Transcripts recorded from libfuse 3.14 by test_opt.c built with -DOPT_RECORD; see there. */
	{ "prog",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog a b c",
	  "proc -2 [a] 1\n"
	  "proc -2 [b] 2\n"
	  "proc -2 [c] 3\n"
	  "res=0 alloc=1 argc=4: [prog] [a] [b] [c]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -f",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=3 flag2=0 sp=(null)\n" },
	{ "prog --flag",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=7 flag2=0 sp=(null)\n" },
	{ "prog -f --flag",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=7 flag2=0 sp=(null)\n" },
	{ "prog -o name=hello",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=hello u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -oname=hello",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=hello u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o name=a -o name=b",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=b u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=42,lu=123456789012,i=-5,x=ff,o=17,lf=2.5",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=42 lu=123456789012 i=-5 x=ff o=17 lf=2.5 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=12abc",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=12 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=abc",
	  "log 3: fuse: invalid parameter in option `u=abc'\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [u=abc]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=",
	  "log 3: fuse: invalid parameter in option `u='\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [u=]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o i=",
	  "log 3: fuse: invalid parameter in option `i='\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [i=]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o name=",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s= u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -p val",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=val\n" },
	{ "prog -pval",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=val\n" },
	{ "prog -p",
	  "log 3: fuse: missing argument after `-p'\n"
	  "res=-1 alloc=0 argc=2: [prog] [-p]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o unknown1,unknown2 -o unknown3",
	  "proc -1 [unknown1] 1\n"
	  "proc -1 [unknown2] 1\n"
	  "proc -1 [unknown3] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [unknown1,unknown2,unknown3]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a\\,b,c",
	  "proc -1 [a,b] 1\n"
	  "proc -1 [c] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [a\\,b,c]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a\\\\b",
	  "proc -1 [a\\b] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [a\\\\b]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a\\\\,b",
	  "proc -1 [a\\] 1\n"
	  "proc -1 [b] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [a\\\\,b]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a,,b",
	  "proc -1 [a] 1\n"
	  "proc -1 [] 1\n"
	  "proc -1 [b] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [a,,b]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o ''",
	  "proc -1 [] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] []\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o",
	  "log 3: fuse: missing argument after `-o'\n"
	  "res=-1 alloc=0 argc=2: [prog] [-o]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o ,",
	  "proc -1 [] 1\n"
	  "proc -1 [] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] []\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -ounk mnt -o other",
	  "proc -1 [unk] 1\n"
	  "proc -2 [mnt] 1\n"
	  "proc -1 [other] 2\n"
	  "res=0 alloc=1 argc=4: [prog] [-o] [unk,other] [mnt]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o both",
	  "proc 100 [both] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [both]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=5 sp=(null)\n" },
	{ "prog -k",
	  "proc 101 [-k] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [-k]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -kx",
	  "proc -1 [-kx] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [-kx]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -K val",
	  "proc 102 [-Kval] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [-Kval]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -Kval",
	  "proc 102 [-Kval] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [-Kval]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -K",
	  "log 3: fuse: missing argument after `-K'\n"
	  "res=-1 alloc=0 argc=2: [prog] [-K]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o kv=3",
	  "proc 103 [kv=3] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [kv=3]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o kv",
	  "proc -1 [kv] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [kv]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog --long=5",
	  "proc 104 [--long=5] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [--long=5]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog --long",
	  "proc -1 [--long] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [--long]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o keepme,dropme,x1",
	  "proc -1 [x1] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [keepme,x1]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog keepme dropme",
	  "proc -2 [keepme] 1\n"
	  "proc -2 [dropme] 2\n"
	  "res=0 alloc=1 argc=3: [prog] [keepme] [dropme]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o fail",
	  "proc 105 [fail] 1\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [fail]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o drop,x2",
	  "proc 106 [drop] 1\n"
	  "proc -1 [x2] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [x2]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o bad",
	  "proc -1 [bad] 1\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [bad]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog --gnu",
	  "proc 107 [--gnu] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [--added]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog --gnu -o x",
	  "proc 107 [--gnu] 1\n"
	  "proc -1 [x] 2\n"
	  "res=0 alloc=1 argc=4: [prog] [-o] [x] [--added]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog mnt nonkeep other",
	  "proc -2 [mnt] 1\n"
	  "proc -2 [nonkeep] 2\n"
	  "proc -2 [other] 2\n"
	  "res=0 alloc=1 argc=3: [prog] [mnt] [other]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -- -f a",
	  "proc -2 [-f] 2\n"
	  "proc -2 [a] 3\n"
	  "res=0 alloc=1 argc=4: [prog] [--] [-f] [a]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -- -f nonkeep",
	  "proc -2 [-f] 2\n"
	  "proc -2 [nonkeep] 3\n"
	  "res=0 alloc=1 argc=3: [prog] [--] [-f]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -- nonkeep",
	  "proc -2 [nonkeep] 2\n"
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog a --",
	  "proc -2 [a] 1\n"
	  "res=0 alloc=1 argc=2: [prog] [a]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog --",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o x1 --",
	  "proc -1 [x1] 1\n"
	  "res=0 alloc=1 argc=4: [prog] [-o] [x1] [--]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o x1 -- a",
	  "proc -1 [x1] 1\n"
	  "proc -2 [a] 2\n"
	  "res=0 alloc=1 argc=5: [prog] [-o] [x1] [--] [a]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -- --",
	  "proc -2 [--] 2\n"
	  "res=0 alloc=1 argc=3: [prog] [--] [--]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o x1 -- -o x2",
	  "proc -1 [x1] 1\n"
	  "proc -2 [-o] 2\n"
	  "proc -2 [x2] 3\n"
	  "res=0 alloc=1 argc=6: [prog] [-o] [x1] [--] [-o] [x2]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog - -z --zz",
	  "proc -1 [-] 1\n"
	  "proc -1 [-z] 2\n"
	  "proc -1 [--zz] 3\n"
	  "res=0 alloc=1 argc=4: [prog] [-] [-z] [--zz]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -oname=a,name=b",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=b u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=4294967296",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o u=-1",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=4294967295 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o lu=-1",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=18446744073709551615 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o i=0x10",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o x=0x10",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=10 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o lf=abc",
	  "log 3: fuse: invalid parameter in option `lf=abc'\n"
	  "res=-1 alloc=0 argc=3: [prog] [-o] [lf=abc]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -old",
	  "proc -1 [ld] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [ld]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "!prog -o a,b -f x -- y",
	  "res=0 alloc=1 argc=6: [prog] [-o] [a,b] [x] [--] [y]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=3 flag2=0 sp=(null)\n" },
	{ "!prog -o both,drop",
	  "res=0 alloc=1 argc=3: [prog] [-o] [both,drop]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=5 sp=(null)\n" },
	{ "!prog -k -K v",
	  "res=0 alloc=1 argc=3: [prog] [-k] [-Kv]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "!prog",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "!",
	  "res=0 alloc=0 argc=0:\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "''",
	  "res=0 alloc=1 argc=1: []\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a\\",
	  "proc -1 [a\\] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [a\\\\]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o a\\x",
	  "proc -1 [ax] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [ax]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -o both,both",
	  "proc 100 [both] 1\n"
	  "proc 100 [both] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [both,both]\n"
	  "d: s=(null) u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=5 sp=(null)\n" },
	{ "prog -o name=a\\,b",
	  "res=0 alloc=1 argc=1: [prog]\n"
	  "d: s=a,b u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
	{ "prog -oname=x,name",
	  "proc -1 [name] 1\n"
	  "res=0 alloc=1 argc=3: [prog] [-o] [name]\n"
	  "d: s=x u=0 lu=0 i=0 x=0 o=0 lf=0 flag=0 flag2=0 sp=(null)\n" },
