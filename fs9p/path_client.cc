#include "fs9p/path_client.h"

#include <fcntl.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fs9p {
namespace {

std::vector<std::string> Components(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

}  // namespace

absl::StatusOr<PathClient> PathClient::Attach(Client& client, absl::string_view aname, uint32_t uid) {
  uint32_t fid = client.NewFid();
  absl::StatusOr<Rattach> r = client.Rpc<Rattach>(Tattach{fid, kNoFid, "root", std::string(aname), uid});
  if (!r.ok()) {
    client.ReleaseFid(fid);
    return r.status();
  }
  return PathClient(client, fid);
}

PathClient::PathClient(PathClient&& o) noexcept : client_(o.client_), root_(std::exchange(o.root_, kNoFid)) {}

PathClient::~PathClient() {
  if (root_ != kNoFid) (void)Clunk(root_);
}

absl::Status PathClient::Clunk(uint32_t fid) {
  absl::Status s = client_->Rpc<Rclunk>(Tclunk{fid}).status();
  client_->ReleaseFid(fid);
  return s;
}

absl::StatusOr<uint32_t> PathClient::Walk(absl::string_view path) {
  std::vector<std::string> names = Components(path);
  uint32_t fid = client_->NewFid();
  uint32_t from = root_;
  size_t done = 0;
  do {
    std::vector<std::string> chunk(names.begin() + done,
                                   names.begin() + std::min(names.size(), done + kMaxWalkElements));
    absl::StatusOr<Rwalk> r = client_->Rpc<Rwalk>(Twalk{from, fid, chunk});
    if (r.ok() && r->qids.size() != chunk.size()) r = ErrnoError(ENOENT, "partial walk");
    if (!r.ok()) {
      if (from == fid) (void)Clunk(fid); else client_->ReleaseFid(fid);
      return r.status();
    }
    from = fid;
    done += chunk.size();
  } while (done < names.size());
  return fid;
}

absl::StatusOr<uint32_t> PathClient::WalkParent(absl::string_view path, std::string& name) {
  std::vector<std::string> names = Components(path);
  if (names.empty()) return ErrnoError(EINVAL, "path has no last component");
  name = names.back();
  names.pop_back();
  return Walk(absl::StrJoin(names, "/"));
}

absl::StatusOr<Rgetattr> PathClient::Getattr(absl::string_view path, uint64_t mask) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  return client_->Rpc<Rgetattr>(Tgetattr{*fid, mask});
}

absl::Status PathClient::Setattr(absl::string_view path, const Tsetattr& attrs) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  Tsetattr t = attrs;
  t.fid = *fid;
  return client_->Rpc<Rsetattr>(t).status();
}

absl::StatusOr<Rstatfs> PathClient::Statfs(absl::string_view path) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  return client_->Rpc<Rstatfs>(Tstatfs{*fid});
}

absl::StatusOr<std::string> PathClient::ReadAll(uint32_t fid) {
  std::string out;
  for (;;) {
    absl::StatusOr<Rread> r = client_->Rpc<Rread>(Tread{fid, out.size(), client_->iounit()});
    if (!r.ok()) return r.status();
    if (r->data.bytes.empty()) return out;
    out += r->data.bytes;
  }
}

absl::StatusOr<std::string> PathClient::ReadFile(absl::string_view path) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  if (absl::Status s = client_->Rpc<Rlopen>(Tlopen{*fid, O_RDONLY}).status(); !s.ok()) return s;
  return ReadAll(*fid);
}

absl::Status PathClient::WriteFile(absl::string_view path, absl::string_view data, uint32_t mode) {
  std::string name;
  absl::StatusOr<uint32_t> fid = WalkParent(path, name);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  absl::Status opened =
      client_->Rpc<Rlcreate>(Tlcreate{*fid, name, O_WRONLY | O_CREAT | O_TRUNC, mode, 0}).status();
  if (ErrnoOf(opened) == EEXIST) {
    // Some servers create exclusively: open the existing file instead.
    opened = client_->Rpc<Rwalk>(Twalk{*fid, *fid, {name}}).status();
    if (opened.ok()) opened = client_->Rpc<Rlopen>(Tlopen{*fid, O_WRONLY | O_TRUNC}).status();
  }
  if (!opened.ok()) return opened;
  size_t off = 0;
  while (off < data.size()) {
    size_t n = std::min<size_t>(data.size() - off, client_->iounit());
    absl::StatusOr<Rwrite> w =
        client_->Rpc<Rwrite>(Twrite{*fid, off, Payload{std::string(data.substr(off, n))}});
    if (!w.ok()) return w.status();
    if (w->count == 0) return ErrnoError(EIO, "write made no progress");
    off += w->count;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Dirent>> PathClient::ReadDir(absl::string_view path, uint32_t count) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  if (absl::Status s = client_->Rpc<Rlopen>(Tlopen{*fid, O_RDONLY | O_DIRECTORY}).status(); !s.ok()) {
    return s;
  }
  if (count == 0) count = client_->iounit();
  std::vector<Dirent> all;
  uint64_t offset = 0;
  for (;;) {
    absl::StatusOr<Rreaddir> r = client_->Rpc<Rreaddir>(Treaddir{*fid, offset, count});
    if (!r.ok()) return r.status();
    absl::StatusOr<std::vector<Dirent>> batch = ParseDirents(r->data.bytes);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return all;
    offset = batch->back().offset;
    for (auto& d : *batch) all.push_back(std::move(d));
  }
}

absl::StatusOr<Qid> PathClient::Mkdir(absl::string_view path, uint32_t mode) {
  std::string name;
  absl::StatusOr<uint32_t> fid = WalkParent(path, name);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  absl::StatusOr<Rmkdir> r = client_->Rpc<Rmkdir>(Tmkdir{*fid, name, mode, 0});
  if (!r.ok()) return r.status();
  return r->qid;
}

absl::StatusOr<Qid> PathClient::Symlink(absl::string_view path, absl::string_view target) {
  std::string name;
  absl::StatusOr<uint32_t> fid = WalkParent(path, name);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  absl::StatusOr<Rsymlink> r = client_->Rpc<Rsymlink>(Tsymlink{*fid, name, std::string(target), 0});
  if (!r.ok()) return r.status();
  return r->qid;
}

absl::StatusOr<std::string> PathClient::Readlink(absl::string_view path) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  absl::StatusOr<Rreadlink> r = client_->Rpc<Rreadlink>(Treadlink{*fid});
  if (!r.ok()) return r.status();
  return r->target;
}

absl::Status PathClient::Link(absl::string_view existing, absl::string_view path) {
  absl::StatusOr<uint32_t> target = Walk(existing);
  if (!target.ok()) return target.status();
  absl::Cleanup ct = [&] { (void)Clunk(*target); };
  std::string name;
  absl::StatusOr<uint32_t> dir = WalkParent(path, name);
  if (!dir.ok()) return dir.status();
  absl::Cleanup cd = [&] { (void)Clunk(*dir); };
  return client_->Rpc<Rlink>(Tlink{*dir, *target, name}).status();
}

absl::Status PathClient::Unlink(absl::string_view path, uint32_t flags) {
  std::string name;
  absl::StatusOr<uint32_t> fid = WalkParent(path, name);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  absl::Status s = client_->Rpc<Runlinkat>(Tunlinkat{*fid, name, flags}).status();
  if (ErrnoOf(s) != EOPNOTSUPP) return s;
  // Servers without Tunlinkat (diod): walk to the file and Tremove it, as
  // Linux's v9fs does. Tremove clunks the fid whatever the outcome.
  absl::StatusOr<uint32_t> victim = Walk(path);
  if (!victim.ok()) return victim.status();
  s = client_->Rpc<Rremove>(Tremove{*victim}).status();
  client_->ReleaseFid(*victim);
  return s;
}

absl::Status PathClient::Rename(absl::string_view from, absl::string_view to) {
  std::string from_name, to_name;
  absl::StatusOr<uint32_t> a = WalkParent(from, from_name);
  if (!a.ok()) return a.status();
  absl::Cleanup ca = [&] { (void)Clunk(*a); };
  absl::StatusOr<uint32_t> b = WalkParent(to, to_name);
  if (!b.ok()) return b.status();
  absl::Cleanup cb = [&] { (void)Clunk(*b); };
  absl::Status s = client_->Rpc<Rrenameat>(Trenameat{*a, from_name, *b, to_name}).status();
  if (ErrnoOf(s) != EOPNOTSUPP) return s;
  // Servers without Trenameat (diod): Trename of the file's own fid.
  absl::StatusOr<uint32_t> f = Walk(from);
  if (!f.ok()) return f.status();
  absl::Cleanup cf = [&] { (void)Clunk(*f); };
  return client_->Rpc<Rrename>(Trename{*f, *b, to_name}).status();
}

absl::Status PathClient::Fsync(absl::string_view path) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  if (absl::Status s = client_->Rpc<Rlopen>(Tlopen{*fid, O_RDWR}).status(); !s.ok()) return s;
  return client_->Rpc<Rfsync>(Tfsync{*fid, 0}).status();
}

absl::StatusOr<std::string> PathClient::GetXattr(absl::string_view path, absl::string_view name) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  absl::Cleanup c = [&] { (void)Clunk(*fid); };
  uint32_t xfid = client_->NewFid();
  absl::StatusOr<Rxattrwalk> w = client_->Rpc<Rxattrwalk>(Txattrwalk{*fid, xfid, std::string(name)});
  if (!w.ok()) {
    client_->ReleaseFid(xfid);
    return w.status();
  }
  absl::Cleanup cx = [&] { (void)Clunk(xfid); };
  absl::StatusOr<std::string> value = ReadAll(xfid);
  if (value.ok() && value->size() != w->size) return ErrnoError(EIO, "xattr size changed");
  return value;
}

absl::StatusOr<std::string> PathClient::ListXattr(absl::string_view path) { return GetXattr(path, ""); }

absl::Status PathClient::SetXattr(absl::string_view path, absl::string_view name, absl::string_view value,
                                  uint32_t flags) {
  absl::StatusOr<uint32_t> fid = Walk(path);
  if (!fid.ok()) return fid.status();
  // The fid becomes the xattr fid; its clunk commits the value.
  absl::Status s = client_->Rpc<Rxattrcreate>(Txattrcreate{*fid, std::string(name), value.size(), flags}).status();
  size_t off = 0;
  while (s.ok() && off < value.size()) {
    size_t n = std::min<size_t>(value.size() - off, client_->iounit());
    absl::StatusOr<Rwrite> w =
        client_->Rpc<Rwrite>(Twrite{*fid, off, Payload{std::string(value.substr(off, n))}});
    s = w.status();
    if (s.ok()) off += w->count;
  }
  absl::Status clunk = Clunk(*fid);
  return s.ok() ? clunk : s;
}

}  // namespace fs9p
