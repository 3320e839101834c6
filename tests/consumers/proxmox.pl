#!/usr/bin/perl
# Proxmox VE 3.x's reading rule (reference §8.2), over /proc/bc/resources only: a regex
# not anchored at the line start, an optional `(\d+):` prefix, a lower-case [a-z]+
# name and five numbers up to the end of the line (Perl's `$`: before the final
# newline, so a trailing blank or CR drops the row); `dummy` skipped; physpages,
# swappages and numproc needed for every CT; failcnt summed per CT.
# Prints the rows, then `sum <ctid> <failcnt sum>` lines; dies when a CT lacks a row
# it needs.
use strict;
use warnings;

my ($vmid, %sum, %seen);
open(my $fh, '<', $ARGV[0]) or die "$ARGV[0]: $!\n";
while (defined(my $line = <$fh>)) {
	next unless $line =~ m/\s*(?:(\d+):\s*)?([a-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/;
	$vmid = $1 if defined $1;
	next if !defined $vmid;
	next if $2 eq 'dummy';
	print "$vmid $2 $3 $4 $5 $6 $7\n";
	$sum{$vmid} += $7;
	$seen{$vmid}{$2} = 1;
}
close($fh);
for my $id (sort keys %seen) {
	for my $need (qw(physpages swappages numproc)) {
		die "CT $id has no $need row\n" unless $seen{$id}{$need};
	}
	print "sum $id $sum{$id}\n";
}
