# Runs a command under the kernel's memory-deny-write-execute (prctl PR_SET_MDWE, Linux >= 6.3):
# the same protection as the unit's MemoryDenyWriteExecute=yes, which a JIT would trip over.
# The flag survives execve, so it covers the command and everything it loads.
#   perl mdwe.pl COMMAND [ARGS...]
use strict;
use warnings;
use Config;

my %prctl = (x86_64 => 157, aarch64 => 167);   # prctl's system call number
my ($arch) = $Config{archname} =~ /^([^-]+)/;
my $nr = $prctl{$arch} or die "PR_SET_MDWE: no prctl number known for $arch\n";
my ($PR_SET_MDWE, $PR_MDWE_REFUSE_EXEC_GAIN) = (65, 1);
syscall($nr, $PR_SET_MDWE, $PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) == 0
    or die "PR_SET_MDWE: $!\n";
exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n";
