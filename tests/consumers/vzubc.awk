# vzubc's reading rules (reference §8.1): a `Version:` line other than 2.5 is refused;
# the line starting with `uid` and every line starting with `dummy` are skipped; a block
# starts at a line matching ^[ \t]*[0-9]+: (numeric ids only) whose fields 2..7 are a
# row; other rows match ^[ \t]*[a-z]+ with fields 1..6; fields split on whitespace;
# 9223372036854775807 or 2147483647 is unlimited (printed U), compared as awk compares
# numbers.  A value awk does not take for a number prints as NOTNUM.
function val(v) {
	if (v + 0 != v)
		return "NOTNUM"
	if (v == 9223372036854775807 || v == 2147483647)
		return "U"
	return v
}
function row(name, h, m, b, l, f) {
	print ct, name, val(h), val(m), val(b), val(l), val(f)
}
/^Version: / {
	if ($2 != "2.5") {
		print "unknown version: " $2 > "/dev/stderr"
		bad = 1
		exit 1
	}
	next
}
/^[ \t]*uid / { next }
/^[ \t]*dummy/ { next }
/^[ \t]*[0-9]+:/ {
	ct = int($1)
	row($2, $3, $4, $5, $6, $7)
	next
}
/^[ \t]*[a-z]+/ {
	row($1, $2, $3, $4, $5, $6)
}
