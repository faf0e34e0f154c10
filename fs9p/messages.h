// 9P2000.L messages as plain structs.
//
// Each message lists its wire fields once, in order, in `Visit`; the codec
// (codec.h) walks that list to encode and to decode, so the two can never
// disagree. Field types map to wire types:
//   uint8_t/16/32/64 -> little-endian integers, std::string -> s[2] string,
//   Qid -> qid[13], Payload -> count[4] + bytes, std::vector<std::string> ->
//   n[2] strings, std::vector<Qid> -> n[2] qids.
#ifndef FS9P_MESSAGES_H_
#define FS9P_MESSAGES_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace fs9p {

enum class Type : uint8_t {
  kRlerror = 7,
  kTstatfs = 8, kRstatfs = 9,
  kTlopen = 12, kRlopen = 13,
  kTlcreate = 14, kRlcreate = 15,
  kTsymlink = 16, kRsymlink = 17,
  kTmknod = 18, kRmknod = 19,
  kTrename = 20, kRrename = 21,
  kTreadlink = 22, kRreadlink = 23,
  kTgetattr = 24, kRgetattr = 25,
  kTsetattr = 26, kRsetattr = 27,
  kTxattrwalk = 30, kRxattrwalk = 31,
  kTxattrcreate = 32, kRxattrcreate = 33,
  kTreaddir = 40, kRreaddir = 41,
  kTfsync = 50, kRfsync = 51,
  kTlock = 52, kRlock = 53,
  kTgetlock = 54, kRgetlock = 55,
  kTlink = 70, kRlink = 71,
  kTmkdir = 72, kRmkdir = 73,
  kTrenameat = 74, kRrenameat = 75,
  kTunlinkat = 76, kRunlinkat = 77,
  kTversion = 100, kRversion = 101,
  kTauth = 102, kRauth = 103,
  kTattach = 104, kRattach = 105,
  kTflush = 108, kRflush = 109,
  kTwalk = 110, kRwalk = 111,
  kTread = 116, kRread = 117,
  kTwrite = 118, kRwrite = 119,
  kTclunk = 120, kRclunk = 121,
  kTremove = 122, kRremove = 123,
};

inline constexpr uint16_t kNoTag = 0xffff;
inline constexpr uint32_t kNoFid = 0xffffffff;
inline constexpr uint32_t kNoUid = 0xffffffff;
inline constexpr size_t kMaxWalkElements = 16;
// size[4] type[1] tag[2]
inline constexpr uint32_t kHeaderSize = 7;
// Header plus the count[4] of Rread/Twrite-style payloads, plus Twrite's
// fid[4] offset[8]: what a read or write of N bytes costs on top of N.
inline constexpr uint32_t kIoHeaderSize = 24;
inline constexpr const char* kVersion9P2000L = "9P2000.L";
// Our negotiated extension: Rlopen/Rlcreate may carry the host FD of the
// opened file as SCM_RIGHTS. A plain peer answers "9P2000.L" or "unknown".
inline constexpr const char* kVersionFdDonation = "9P2000.L.fd";

// Qid types.
inline constexpr uint8_t kQidDir = 0x80;
inline constexpr uint8_t kQidAppend = 0x40;
inline constexpr uint8_t kQidExcl = 0x20;
inline constexpr uint8_t kQidMount = 0x10;
inline constexpr uint8_t kQidAuth = 0x08;
inline constexpr uint8_t kQidTmp = 0x04;
inline constexpr uint8_t kQidSymlink = 0x02;
inline constexpr uint8_t kQidFile = 0x00;

// Tgetattr request_mask / Rgetattr valid bits.
inline constexpr uint64_t kGetattrMode = 0x1;
inline constexpr uint64_t kGetattrNlink = 0x2;
inline constexpr uint64_t kGetattrUid = 0x4;
inline constexpr uint64_t kGetattrGid = 0x8;
inline constexpr uint64_t kGetattrRdev = 0x10;
inline constexpr uint64_t kGetattrAtime = 0x20;
inline constexpr uint64_t kGetattrMtime = 0x40;
inline constexpr uint64_t kGetattrCtime = 0x80;
inline constexpr uint64_t kGetattrIno = 0x100;
inline constexpr uint64_t kGetattrSize = 0x200;
inline constexpr uint64_t kGetattrBlocks = 0x400;
inline constexpr uint64_t kGetattrBtime = 0x800;
inline constexpr uint64_t kGetattrGen = 0x1000;
inline constexpr uint64_t kGetattrDataVersion = 0x2000;
inline constexpr uint64_t kGetattrBasic = 0x7ff;
inline constexpr uint64_t kGetattrAll = 0x3fff;

// Tsetattr valid bits.
inline constexpr uint32_t kSetattrMode = 0x1;
inline constexpr uint32_t kSetattrUid = 0x2;
inline constexpr uint32_t kSetattrGid = 0x4;
inline constexpr uint32_t kSetattrSize = 0x8;
inline constexpr uint32_t kSetattrAtime = 0x10;
inline constexpr uint32_t kSetattrMtime = 0x20;
inline constexpr uint32_t kSetattrCtime = 0x40;
inline constexpr uint32_t kSetattrAtimeSet = 0x80;
inline constexpr uint32_t kSetattrMtimeSet = 0x100;

// Tlock/Tgetlock.
inline constexpr uint8_t kLockTypeRead = 0;
inline constexpr uint8_t kLockTypeWrite = 1;
inline constexpr uint8_t kLockTypeUnlock = 2;
inline constexpr uint32_t kLockFlagBlock = 1;
inline constexpr uint32_t kLockFlagReclaim = 2;
inline constexpr uint8_t kLockSuccess = 0;
inline constexpr uint8_t kLockBlocked = 1;
inline constexpr uint8_t kLockError = 2;
inline constexpr uint8_t kLockGrace = 3;

struct Qid {
  uint8_t type = 0;
  uint32_t version = 0;
  uint64_t path = 0;
  bool operator==(const Qid&) const = default;
};

// count[4] followed by count bytes (Rread, Twrite, Rreaddir).
struct Payload {
  std::string bytes;
  bool operator==(const Payload&) const = default;
};

#define FS9P_MESSAGE(Name) \
  static constexpr Type kType = Type::k##Name; \
  bool operator==(const Name&) const = default

struct Rlerror { FS9P_MESSAGE(Rlerror);
  uint32_t ecode = 0;
  template <class V> void Visit(V& v) { v(ecode); } };

struct Tstatfs { FS9P_MESSAGE(Tstatfs);
  uint32_t fid = 0;
  template <class V> void Visit(V& v) { v(fid); } };
struct Rstatfs { FS9P_MESSAGE(Rstatfs);
  uint32_t type = 0, bsize = 0;
  uint64_t blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0, fsid = 0;
  uint32_t namelen = 0;
  template <class V> void Visit(V& v) {
    v(type); v(bsize); v(blocks); v(bfree); v(bavail); v(files); v(ffree); v(fsid); v(namelen);
  } };

struct Tlopen { FS9P_MESSAGE(Tlopen);
  uint32_t fid = 0, flags = 0;
  template <class V> void Visit(V& v) { v(fid); v(flags); } };
struct Rlopen { FS9P_MESSAGE(Rlopen);
  Qid qid; uint32_t iounit = 0;
  template <class V> void Visit(V& v) { v(qid); v(iounit); } };

struct Tlcreate { FS9P_MESSAGE(Tlcreate);
  uint32_t fid = 0; std::string name; uint32_t flags = 0, mode = 0, gid = 0;
  template <class V> void Visit(V& v) { v(fid); v(name); v(flags); v(mode); v(gid); } };
struct Rlcreate { FS9P_MESSAGE(Rlcreate);
  Qid qid; uint32_t iounit = 0;
  template <class V> void Visit(V& v) { v(qid); v(iounit); } };

struct Tsymlink { FS9P_MESSAGE(Tsymlink);
  uint32_t fid = 0; std::string name, target; uint32_t gid = 0;
  template <class V> void Visit(V& v) { v(fid); v(name); v(target); v(gid); } };
struct Rsymlink { FS9P_MESSAGE(Rsymlink);
  Qid qid;
  template <class V> void Visit(V& v) { v(qid); } };

struct Tmknod { FS9P_MESSAGE(Tmknod);
  uint32_t dfid = 0; std::string name; uint32_t mode = 0, major = 0, minor = 0, gid = 0;
  template <class V> void Visit(V& v) { v(dfid); v(name); v(mode); v(major); v(minor); v(gid); } };
struct Rmknod { FS9P_MESSAGE(Rmknod);
  Qid qid;
  template <class V> void Visit(V& v) { v(qid); } };

struct Trename { FS9P_MESSAGE(Trename);
  uint32_t fid = 0, dfid = 0; std::string name;
  template <class V> void Visit(V& v) { v(fid); v(dfid); v(name); } };
struct Rrename { FS9P_MESSAGE(Rrename);
  template <class V> void Visit(V&) {} };

struct Treadlink { FS9P_MESSAGE(Treadlink);
  uint32_t fid = 0;
  template <class V> void Visit(V& v) { v(fid); } };
struct Rreadlink { FS9P_MESSAGE(Rreadlink);
  std::string target;
  template <class V> void Visit(V& v) { v(target); } };

struct Tgetattr { FS9P_MESSAGE(Tgetattr);
  uint32_t fid = 0; uint64_t request_mask = 0;
  template <class V> void Visit(V& v) { v(fid); v(request_mask); } };
struct Rgetattr { FS9P_MESSAGE(Rgetattr);
  uint64_t valid = 0; Qid qid; uint32_t mode = 0, uid = 0, gid = 0;
  uint64_t nlink = 0, rdev = 0, size = 0, blksize = 0, blocks = 0;
  uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0;
  uint64_t ctime_sec = 0, ctime_nsec = 0, btime_sec = 0, btime_nsec = 0;
  uint64_t gen = 0, data_version = 0;
  template <class V> void Visit(V& v) {
    v(valid); v(qid); v(mode); v(uid); v(gid); v(nlink); v(rdev); v(size); v(blksize); v(blocks);
    v(atime_sec); v(atime_nsec); v(mtime_sec); v(mtime_nsec); v(ctime_sec); v(ctime_nsec);
    v(btime_sec); v(btime_nsec); v(gen); v(data_version);
  } };

struct Tsetattr { FS9P_MESSAGE(Tsetattr);
  uint32_t fid = 0, valid = 0, mode = 0, uid = 0, gid = 0; uint64_t size = 0;
  uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0;
  template <class V> void Visit(V& v) {
    v(fid); v(valid); v(mode); v(uid); v(gid); v(size); v(atime_sec); v(atime_nsec); v(mtime_sec); v(mtime_nsec);
  } };
struct Rsetattr { FS9P_MESSAGE(Rsetattr);
  template <class V> void Visit(V&) {} };

struct Txattrwalk { FS9P_MESSAGE(Txattrwalk);
  uint32_t fid = 0, newfid = 0; std::string name;
  template <class V> void Visit(V& v) { v(fid); v(newfid); v(name); } };
struct Rxattrwalk { FS9P_MESSAGE(Rxattrwalk);
  uint64_t size = 0;
  template <class V> void Visit(V& v) { v(size); } };

struct Txattrcreate { FS9P_MESSAGE(Txattrcreate);
  uint32_t fid = 0; std::string name; uint64_t attr_size = 0; uint32_t flags = 0;
  template <class V> void Visit(V& v) { v(fid); v(name); v(attr_size); v(flags); } };
struct Rxattrcreate { FS9P_MESSAGE(Rxattrcreate);
  template <class V> void Visit(V&) {} };

struct Treaddir { FS9P_MESSAGE(Treaddir);
  uint32_t fid = 0; uint64_t offset = 0; uint32_t count = 0;
  template <class V> void Visit(V& v) { v(fid); v(offset); v(count); } };
// `data` holds directory entries; see dirent.h.
struct Rreaddir { FS9P_MESSAGE(Rreaddir);
  Payload data;
  template <class V> void Visit(V& v) { v(data); } };

// Linux's client sends datasync; the original 9P2000.L text has only fid.
struct Tfsync { FS9P_MESSAGE(Tfsync);
  uint32_t fid = 0, datasync = 0;
  template <class V> void Visit(V& v) { v(fid); v(datasync); } };
struct Rfsync { FS9P_MESSAGE(Rfsync);
  template <class V> void Visit(V&) {} };

struct Tlock { FS9P_MESSAGE(Tlock);
  uint32_t fid = 0; uint8_t type = 0; uint32_t flags = 0; uint64_t start = 0, length = 0;
  uint32_t proc_id = 0; std::string client_id;
  template <class V> void Visit(V& v) { v(fid); v(type); v(flags); v(start); v(length); v(proc_id); v(client_id); } };
struct Rlock { FS9P_MESSAGE(Rlock);
  uint8_t status = 0;
  template <class V> void Visit(V& v) { v(status); } };

struct Tgetlock { FS9P_MESSAGE(Tgetlock);
  uint32_t fid = 0; uint8_t type = 0; uint64_t start = 0, length = 0; uint32_t proc_id = 0;
  std::string client_id;
  template <class V> void Visit(V& v) { v(fid); v(type); v(start); v(length); v(proc_id); v(client_id); } };
struct Rgetlock { FS9P_MESSAGE(Rgetlock);
  uint8_t type = 0; uint64_t start = 0, length = 0; uint32_t proc_id = 0; std::string client_id;
  template <class V> void Visit(V& v) { v(type); v(start); v(length); v(proc_id); v(client_id); } };

struct Tlink { FS9P_MESSAGE(Tlink);
  uint32_t dfid = 0, fid = 0; std::string name;
  template <class V> void Visit(V& v) { v(dfid); v(fid); v(name); } };
struct Rlink { FS9P_MESSAGE(Rlink);
  template <class V> void Visit(V&) {} };

struct Tmkdir { FS9P_MESSAGE(Tmkdir);
  uint32_t dfid = 0; std::string name; uint32_t mode = 0, gid = 0;
  template <class V> void Visit(V& v) { v(dfid); v(name); v(mode); v(gid); } };
struct Rmkdir { FS9P_MESSAGE(Rmkdir);
  Qid qid;
  template <class V> void Visit(V& v) { v(qid); } };

struct Trenameat { FS9P_MESSAGE(Trenameat);
  uint32_t olddirfid = 0; std::string oldname; uint32_t newdirfid = 0; std::string newname;
  template <class V> void Visit(V& v) { v(olddirfid); v(oldname); v(newdirfid); v(newname); } };
struct Rrenameat { FS9P_MESSAGE(Rrenameat);
  template <class V> void Visit(V&) {} };

struct Tunlinkat { FS9P_MESSAGE(Tunlinkat);
  uint32_t dirfid = 0; std::string name; uint32_t flags = 0;
  template <class V> void Visit(V& v) { v(dirfid); v(name); v(flags); } };
struct Runlinkat { FS9P_MESSAGE(Runlinkat);
  template <class V> void Visit(V&) {} };

struct Tversion { FS9P_MESSAGE(Tversion);
  uint32_t msize = 0; std::string version;
  template <class V> void Visit(V& v) { v(msize); v(version); } };
struct Rversion { FS9P_MESSAGE(Rversion);
  uint32_t msize = 0; std::string version;
  template <class V> void Visit(V& v) { v(msize); v(version); } };

struct Tauth { FS9P_MESSAGE(Tauth);
  uint32_t afid = 0; std::string uname, aname; uint32_t n_uname = kNoUid;
  template <class V> void Visit(V& v) { v(afid); v(uname); v(aname); v(n_uname); } };
struct Rauth { FS9P_MESSAGE(Rauth);
  Qid aqid;
  template <class V> void Visit(V& v) { v(aqid); } };

struct Tattach { FS9P_MESSAGE(Tattach);
  uint32_t fid = 0, afid = kNoFid; std::string uname, aname; uint32_t n_uname = kNoUid;
  template <class V> void Visit(V& v) { v(fid); v(afid); v(uname); v(aname); v(n_uname); } };
struct Rattach { FS9P_MESSAGE(Rattach);
  Qid qid;
  template <class V> void Visit(V& v) { v(qid); } };

struct Tflush { FS9P_MESSAGE(Tflush);
  uint16_t oldtag = 0;
  template <class V> void Visit(V& v) { v(oldtag); } };
struct Rflush { FS9P_MESSAGE(Rflush);
  template <class V> void Visit(V&) {} };

struct Twalk { FS9P_MESSAGE(Twalk);
  uint32_t fid = 0, newfid = 0; std::vector<std::string> wnames;
  template <class V> void Visit(V& v) { v(fid); v(newfid); v(wnames); } };
struct Rwalk { FS9P_MESSAGE(Rwalk);
  std::vector<Qid> qids;
  template <class V> void Visit(V& v) { v(qids); } };

struct Tread { FS9P_MESSAGE(Tread);
  uint32_t fid = 0; uint64_t offset = 0; uint32_t count = 0;
  template <class V> void Visit(V& v) { v(fid); v(offset); v(count); } };
struct Rread { FS9P_MESSAGE(Rread);
  Payload data;
  template <class V> void Visit(V& v) { v(data); } };

struct Twrite { FS9P_MESSAGE(Twrite);
  uint32_t fid = 0; uint64_t offset = 0; Payload data;
  template <class V> void Visit(V& v) { v(fid); v(offset); v(data); } };
struct Rwrite { FS9P_MESSAGE(Rwrite);
  uint32_t count = 0;
  template <class V> void Visit(V& v) { v(count); } };

struct Tclunk { FS9P_MESSAGE(Tclunk);
  uint32_t fid = 0;
  template <class V> void Visit(V& v) { v(fid); } };
struct Rclunk { FS9P_MESSAGE(Rclunk);
  template <class V> void Visit(V&) {} };

struct Tremove { FS9P_MESSAGE(Tremove);
  uint32_t fid = 0;
  template <class V> void Visit(V& v) { v(fid); } };
struct Rremove { FS9P_MESSAGE(Rremove);
  template <class V> void Visit(V&) {} };

#undef FS9P_MESSAGE

using Message = std::variant<
    Rlerror, Tstatfs, Rstatfs, Tlopen, Rlopen, Tlcreate, Rlcreate, Tsymlink, Rsymlink,
    Tmknod, Rmknod, Trename, Rrename, Treadlink, Rreadlink, Tgetattr, Rgetattr, Tsetattr,
    Rsetattr, Txattrwalk, Rxattrwalk, Txattrcreate, Rxattrcreate, Treaddir, Rreaddir, Tfsync,
    Rfsync, Tlock, Rlock, Tgetlock, Rgetlock, Tlink, Rlink, Tmkdir, Rmkdir, Trenameat,
    Rrenameat, Tunlinkat, Runlinkat, Tversion, Rversion, Tauth, Rauth, Tattach, Rattach,
    Tflush, Rflush, Twalk, Rwalk, Tread, Rread, Twrite, Rwrite, Tclunk, Rclunk, Tremove,
    Rremove>;

// The wire type of a message.
Type TypeOf(const Message& m);
// The message name, e.g. "Twalk"; "unknown" for a type number with no message.
const char* TypeName(uint8_t type);
// True for T-messages (requests).
bool IsRequest(uint8_t type);

}  // namespace fs9p

#endif  // FS9P_MESSAGES_H_
