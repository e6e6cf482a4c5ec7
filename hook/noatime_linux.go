package hook

import "syscall"

// noatime asks open(2) not to update the file's access time: with
// relatime, the first read of a file whose access time is older than its
// change time (every file a build has just made or copied) would otherwise
// write its inode back, for a walk that reads every file of the trees.
// The kernel allows it only to the file's owner (and root); for others
// the open is retried without it.
const noatime = syscall.O_NOATIME
