#include "sentry/vfs/exec_loader.h"

#include <cstring>

#include "sentry/kernel/load_elf.h"
#include "sentry/loader/shebang.h"
#include "sentry/vfs/page_cache.h"
#include "sentry/vfs/path.h"

namespace sentry::vfs {
namespace {

// An ImageReader over a VFS file's data (through its page cache, so that
// stores through shared mappings are seen).
class InodeImageReader final : public loader::ImageReader {
 public:
  explicit InodeImageReader(std::shared_ptr<Inode> inode) : inode_(std::move(inode)) {}
  ErrnoOr<size_t> ReadAt(uint64_t off, void* buf, size_t len) override {
    if (off > static_cast<uint64_t>(INT64_MAX)) return size_t{0};
    return ReadFileData(*inode_, buf, len, static_cast<int64_t>(off));
  }
  uint64_t Size() override {
    const int64_t s = inode_->Stat().size;
    return s > 0 ? static_cast<uint64_t>(s) : 0;
  }

 private:
  const std::shared_ptr<Inode> inode_;
};

// Linux's open_exec(): resolve, then the checks of may_open(MAY_EXEC) and
// do_open_execat().
ErrnoOr<VirtualDentry> OpenExec(const Resolver& r, const std::string& path) {
  if (ErrnoResult c = CheckPathLength(path); !c.ok()) return c.error();
  auto vd = r.Resolve(path);
  if (!vd.ok()) return vd.error();
  const InodeAttr a = vd->inode().Stat();
  if (!S_ISREG(a.mode)) return Errno(EACCES);
  if ((vd->mount->flags() & MS_NOEXEC) != 0) return Errno(EACCES);
  if (ErrnoResult c = CheckPermission(*r.creds, a, kMayExec); !c.ok()) return c.error();
  // A cached file re-checks itself (goferfs: replaced on the host -> ESTALE).
  if (ErrnoResult c = vd->inode().PrepareOpen(O_RDONLY); !c.ok()) {
    if (c.error().value() != ESTALE) return c.error();
    vd = r.Resolve(path);
    if (!vd.ok()) return vd.error();
    if (!S_ISREG(vd->inode().Stat().mode)) return Errno(EACCES);
  }
  return vd;
}

kernel::ElfSource SourceOf(const Resolver& r, const VirtualDentry& vd, mm::MemoryFile& mf) {
  auto name = PathOf(r.root, vd);
  kernel::ElfSource src;
  src.reader = std::make_shared<InodeImageReader>(vd.dentry->inode_ptr());
  src.mappable = std::make_shared<InodeMappable>(vd.dentry->inode_ptr(), mf,
                                                 name.ok() ? *name : vd.dentry->name());
  return src;
}

}  // namespace

std::unique_ptr<VfsExecLoader> NewVfsExecLoader() { return std::make_unique<VfsExecLoader>(); }

std::string VfsExecLoader::last_error() const {
  absl::MutexLock l(&mu_);
  return last_error_;
}

ErrnoOr<kernel::ExecImage> VfsExecLoader::Load(const kernel::ExecContext& ctx,
                                               const std::string& path,
                                               const std::vector<std::string>& argv,
                                               const std::vector<std::string>& envp,
                                               mm::MemoryManager& mm) {
  std::string why;
  auto fail = [&](Errno e, const std::string& what) -> Errno {
    absl::MutexLock l(&mu_);
    last_error_ = what + ": " + std::strerror(e.value());
    return e;
  };
  if (ctx.root == nullptr) return fail(Errno(ENOENT), path + ": no root file system");
  Resolver r;
  r.root = {ctx.root_mount, ctx.root};
  r.start = ctx.cwd != nullptr ? VirtualDentry{ctx.cwd_mount, ctx.cwd} : r.root;
  r.creds = &ctx.creds;

  std::string file = path;
  std::vector<std::string> args = argv;
  for (int depth = 0;; ++depth) {
    if (depth > loader::kMaxExecDepth) return fail(Errno(ELOOP), path + ": script nesting");
    auto vd = OpenExec(r, file);
    if (!vd.ok()) return fail(vd.error(), file);
    kernel::ElfSource src = SourceOf(r, *vd, mm.memory_file());
    auto exe_path = PathOf(r.root, *vd);
    auto sb = loader::ReadShebang(*src.reader);
    if (sb.ok()) {
      args = loader::RewriteScriptArgv(*sb, file, args);
      file = sb->interpreter;
      continue;
    }
    if (sb.error().value() != ENOEXEC) return fail(sb.error(), file);

    kernel::ElfLoadRequest req;
    req.exe = std::move(src);
    req.open_interp = [&](const std::string& interp) -> ErrnoOr<kernel::ElfSource> {
      auto ivd = OpenExec(r, interp);
      if (!ivd.ok()) return ivd.error();
      return SourceOf(r, *ivd, mm.memory_file());
    };
    req.execfn = path;
    if (exe_path.ok()) req.exe_path = *exe_path;
    req.argv = std::move(args);
    req.envp = envp;
    req.creds = ctx.creds;
    req.rlimit_stack = ctx.rlimit_stack;
    auto image = kernel::LoadElf(req, mm, &why);
    if (!image.ok()) {
      absl::MutexLock l(&mu_);
      last_error_ = file + ": " + why;
    }
    return image;
  }
}

}  // namespace sentry::vfs
