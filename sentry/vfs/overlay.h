// overlay.h: an overlay filesystem whose upper layer is a tmpfs in Sentry
// memory over a lower Inode tree that it never changes (the read-only
// goferfs root): the default rootfs mode, where the container's writes
// vanish with the sandbox.
//
// Semantics (Linux overlayfs without redirect_dir, with whiteouts kept in
// memory rather than as 0/0 char devices):
//  - A name is looked up in the upper directory, then, unless whited out,
//    in the lower one; a directory in both is merged; an upper non-directory
//    hides the lower object.
//  - Copy-up (the object, and first its parent directories, are recreated in
//    the upper layer with the lower's mode, owner and times, file data
//    copied) happens on open for writing or with O_TRUNC, write, setattr
//    (chmod, chown, truncate, utimes), link, and rename of a lower file.
//  - Creation happens in the upper directory. Unlink/rmdir of a name that
//    the lower layer has adds a whiteout to the directory's in-memory set; a
//    directory created over a whiteout is opaque (shows no lower entries).
//  - ReadDir merges upper over lower minus whiteouts.
//  - Renaming a directory that has lower content: EXDEV (callers such as mv
//    fall back to copying, as with Linux overlayfs).
//  - st_dev is the overlay's; st_ino is the lower object's (stable across
//    copy-up) or the upper object's with bit 63 set.
// Thread-safe: one mutex per overlay guards the overlay's own state.
#ifndef SENTRY_VFS_OVERLAY_H_
#define SENTRY_VFS_OVERLAY_H_

#include <memory>

#include "sentry/vfs/inode.h"

namespace sentry::vfs {

// The root of a new overlay over the directory `lower`, with an empty
// in-memory upper layer whose root has the lower root's mode and owner.
std::shared_ptr<Inode> NewMemoryOverlay(std::shared_ptr<Inode> lower);

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_OVERLAY_H_
