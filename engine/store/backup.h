// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <atomic>

namespace jobfirst {

/// What a backup file holds (read from its authenticated header).
struct BackupInfo
{
    qint64 createdAt = 0;  ///< ms since epoch
    qint64 storeBytes = 0; ///< size of the store copy inside
    qint64 fileBytes = 0;  ///< size of the backup file
};

/// Encrypted backups of a store.
///
/// create() copies the store while engines keep writing to it (SQLite's online backup API,
/// in steps within one read transaction: a consistent snapshot that does not stop writers),
/// then encrypts the copy with AES-256-GCM (OpenSSL EVP) under a key derived from the
/// passphrase with scrypt (N = 2^15, r = 8, p = 1, 16-byte random salt). The header (format,
/// KDF parameters, salt, nonce, size, time) is authenticated too. A wrong passphrase is told
/// apart from an altered or truncated file. Backup files are written 0600 (a folder made for
/// them 0700) and atomically: a failed backup leaves no partial file.
///
/// The plain copy exists only for the time of the backup, next to the store (as protected as
/// the store itself), and is removed afterwards.
///
/// A backup shares the disk with a running engine: it runs on a thread of its own at a lower
/// CPU and I/O priority, each pass (copy, encryption) reads and writes at most 96 MiB/s, the
/// copy is neither journaled nor synced (it is encrypted and removed at once), and the
/// encrypted file goes to disk in 8 MiB steps while it is written rather than in one fsync.
///
/// API for front ends (jobfirstctl backup create|verify|restore, the console's File menu):
///     auto info = Backup::create(dbPath, "/backups/x.jfbackup", passphrase);
///     auto ok   = Backup::verify("/backups/x.jfbackup", passphrase);       // nothing written
///     auto back = Backup::restore("/backups/x.jfbackup", passphrase, "/srv/new.db");
/// All three block (seconds on large stores): call them off the GUI thread.
class Backup final
{
public:
    /// Error codes: "backup.io", "backup.passphrase" (wrong passphrase), "backup.held"
    /// (restore onto a store an engine has open), "backup.exists" (restore onto an existing
    /// file without `replace`), and one code for each way a file is not a good backup (below:
    /// "backup.format.*" a file this program does not read, "backup.corrupt.*" a damaged one),
    /// so that a front end can say which in its own language.
    static Result<BackupInfo> create(const QString &dbPath, const QString &backupFile,
                                     const QByteArray &passphrase,
                                     const std::atomic_bool *cancel = nullptr);
    /// Decrypts the whole file into a temporary store, checks its tag and SQLite's
    /// integrity_check, and removes it. Nothing else is written.
    static Result<BackupInfo> verify(const QString &backupFile, const QByteArray &passphrase);
    /// Restores into `newDbPath`, which must not exist (or, with `replace`, must not be open
    /// in any engine). The store is decrypted next to it, checked (tag, integrity_check,
    /// JobFirst marker), and only then renamed into place, 0600. On any error nothing changes.
    static Result<BackupInfo> restore(const QString &backupFile, const QByteArray &passphrase,
                                      const QString &newDbPath, bool replace = false);

    /// Why an engine whose shared store is PostgreSQL (`sharedUrl`) makes no backup file:
    /// that store is backed up with PostgreSQL's own tools, and the SQLite file such a daemon
    /// has holds only its local part ("backup.postgres").
    static Error sharedStoreError(const QString &sharedUrl);

    /// Not a JobFirst backup at all (no JFBACKUP header): another file chosen by mistake.
    static constexpr char NotABackup[] = "backup.format.not_backup";
    /// A JobFirst backup of a format (or key derivation) this program does not read.
    static constexpr char OtherVersion[] = "backup.format.version";
    /// The header's key derivation settings are out of range: the header was altered.
    static constexpr char HeaderAltered[] = "backup.corrupt.header";
    /// Shorter than its header says: copied or downloaded in part.
    static constexpr char Truncated[] = "backup.corrupt.truncated";
    /// Longer than its header says: bytes were added.
    static constexpr char TrailingBytes[] = "backup.corrupt.trailing";
    /// The authentication tag does not match: the contents or header were altered or damaged.
    static constexpr char ChecksumMismatch[] = "backup.corrupt.checksum";
    /// Decrypts and authenticates, but the store inside fails SQLite's integrity check or is
    /// not a JobFirst store.
    static constexpr char StoreDamaged[] = "backup.corrupt.store";

    /// The shortest passphrase accepted, in characters (a Chinese character is one, not the
    /// three bytes UTF-8 takes for it).
    static constexpr int MinPassphraseCharacters = 12;
};

} // namespace jobfirst
