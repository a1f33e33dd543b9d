using System.Runtime.InteropServices;

namespace Preflight.Formats;

/// <summary>What kind of file a path names, as stat(2) says (links followed).</summary>
public enum InputFileKind
{
    Missing,
    Regular,
    Directory,
    BlockDevice,
    CharacterDevice,
    Fifo,
    Socket,

    /// <summary>The type could not be asked (no statx in this libc); the caller proceeds as before.</summary>
    Unknown,
}

/// <summary>
/// The one check every layer makes before it opens an input: only regular files (and, for guest images, block
/// devices) are read. Opening a FIFO blocks until a writer appears and a character device such as /dev/zero never
/// ends, so either would hang kata-preflight or grow a buffer until memory runs out. .NET reports neither as
/// anything but "Normal", so the type comes from statx(2), bound from the C library at run time like liblzma.
/// </summary>
public static class InputFile
{
    /// <summary>"is a FIFO, not a regular file" for a kind no reader may open, else null (regular, missing, unknown).</summary>
    public static string? Refusal(string path, bool allowBlockDevice = false) => KindOf(path) switch
    {
        InputFileKind.Directory => "is a directory, not a regular file",
        InputFileKind.BlockDevice when !allowBlockDevice => "is a block device, not a regular file",
        InputFileKind.CharacterDevice => "is a character device, not a regular file",
        InputFileKind.Fifo => "is a FIFO, not a regular file",
        InputFileKind.Socket => "is a socket, not a regular file",
        _ => null,
    };

    /// <summary>The kind of file at path, following symbolic links.</summary>
    public static InputFileKind KindOf(string path) => Statx.Instance?.Mode(path) is int mode
        ? (mode & 0xF000) switch
        {
            0x8000 => InputFileKind.Regular,
            0x4000 => InputFileKind.Directory,
            0x6000 => InputFileKind.BlockDevice,
            0x2000 => InputFileKind.CharacterDevice,
            0x1000 => InputFileKind.Fifo,
            0xC000 => InputFileKind.Socket,
            _ => InputFileKind.Unknown,
        }
        : File.Exists(path) || Directory.Exists(path) ? InputFileKind.Unknown : InputFileKind.Missing;

    /// <summary>
    /// glibc's statx (2.28 and later), whose struct is the same on every architecture (linux/stat.h): stx_mode is the
    /// 16-bit field at byte 28 of the 256-byte buffer. Null when the library or the export is missing.
    /// </summary>
    private sealed unsafe class Statx
    {
        private const int AtFdCwd = -100;
        private const uint StatxType = 0x1;
        private const int BufferSize = 256;
        private const int ModeOffset = 28;

        private static readonly Lazy<Statx?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

        private readonly delegate* unmanaged<int, byte*, int, uint, byte*, int> _statx;

        private Statx(delegate* unmanaged<int, byte*, int, uint, byte*, int> statx) => _statx = statx;

        public static Statx? Instance => Loaded.Value;

        /// <summary>st_mode (type and permission bits), or null when the path cannot be stat'ed (missing, denied).</summary>
        public int? Mode(string path)
        {
            byte[] name = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
            System.Text.Encoding.UTF8.GetBytes(path, name);
            Span<byte> buffer = stackalloc byte[BufferSize];
            buffer.Clear();
            int result;
            fixed (byte* namePointer = name)
            fixed (byte* bufferPointer = buffer)
            {
                result = _statx(AtFdCwd, namePointer, 0, StatxType, bufferPointer);
            }
            // The kernel writes the struct in the machine's own byte order.
            return result == 0 ? MemoryMarshal.Read<ushort>(buffer[ModeOffset..]) : null;
        }

        private static Statx? Load()
        {
            if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out IntPtr library))
            {
                return null;
            }
            // The C library stays loaded for the life of the process anyway.
            return NativeLibrary.TryGetExport(library, "statx", out IntPtr statx)
                ? new Statx((delegate* unmanaged<int, byte*, int, uint, byte*, int>)statx)
                : null;
        }
    }
}
