using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace Preflight.Binaries;

/// <summary>A range of file offsets, [Start, End).</summary>
internal readonly record struct FileRange(long Start, long End)
{
    public long Length => End - Start;
}

/// <summary>
/// One window of a scan: the whole file's bytes (so a reader may look a little past the window's end, as a
/// whole-file scan would) and the range [Start, End) whose anchors this window owns. The bytes are valid only until
/// the enumeration moves on.
/// </summary>
internal readonly record struct BinaryWindow(ReadOnlyMemory<byte> File, int Start, int End)
{
    public ReadOnlySpan<byte> Span => File.Span;
}

/// <summary>
/// The bytes of one binary, handed out as views that the caller disposes after each pass. A mapped file's view maps
/// the whole file but only the pages a pass touches become resident, and disposing the view unmaps them again: so
/// memory follows what a pass keeps, not the binary's size. Bytes already in memory (an agent read out of an image)
/// are handed out as they are.
/// </summary>
internal abstract class BinaryBytes : IDisposable
{
    /// <summary>
    /// How much one window spans: small enough that every reader of a window finds it still in the CPU cache, and
    /// that the pages of one window are all a pass holds.
    /// </summary>
    public const int WindowBytes = 1 << 20;

    public abstract int Length { get; }

    /// <summary>A view of the whole file; disposing it releases the pages the caller touched.</summary>
    public abstract IMemoryOwner<byte> Map();

    public abstract void Dispose();

    public static BinaryBytes InMemory(ReadOnlyMemory<byte> bytes) => new MemoryBytes(bytes);

    /// <summary>Maps a file read-only; <paramref name="length"/> must be above zero (an empty file cannot be mapped).</summary>
    public static BinaryBytes MapFile(string path, long length) => new MappedBytes(path, 0, length);

    /// <summary>Maps bytes [offset, offset + length) of a file read-only, as if they were a file of their own.</summary>
    public static BinaryBytes MapFileRange(string path, long offset, long length) => new MappedBytes(path, offset, length);

    /// <summary>
    /// The ranges in windows of at most <see cref="WindowBytes"/>, each with its own view, released when the
    /// enumeration moves to the next window.
    /// </summary>
    public IEnumerable<BinaryWindow> Windows(IEnumerable<FileRange> ranges)
    {
        foreach (var range in ranges)
        {
            for (long at = range.Start; at < range.End; at += WindowBytes)
            {
                using var view = Map();
                yield return new BinaryWindow(view.Memory, (int)at, (int)Math.Min(range.End, at + WindowBytes));
            }
        }
    }

    /// <summary>SHA-256 of the whole file, window by window.</summary>
    public string Sha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var window in Windows([new FileRange(0, Length)]))
        {
            hash.AppendData(window.Span[window.Start..window.End]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class MemoryBytes(ReadOnlyMemory<byte> bytes) : BinaryBytes
    {
        public override int Length => bytes.Length;

        public override IMemoryOwner<byte> Map() => new Held(bytes);

        public override void Dispose()
        {
        }

        /// <summary>The caller's bytes, which live as long as the caller keeps them: nothing to release.</summary>
        private sealed class Held(ReadOnlyMemory<byte> bytes) : IMemoryOwner<byte>
        {
            // IMemoryOwner hands out Memory; no reader writes through it (they all take ReadOnlySpan).
            public Memory<byte> Memory { get; } = System.Runtime.InteropServices.MemoryMarshal.AsMemory(bytes);

            public void Dispose()
            {
            }
        }
    }

    private sealed class MappedBytes : BinaryBytes
    {
        private readonly MemoryMappedFile _file;

        private readonly long _offset;

        public MappedBytes(string path, long offset, long length)
        {
            _offset = offset;
            Length = checked((int)length);
            // FileShare.ReadWrite | Delete: like reading, mapping must not stop a package manager replacing the file.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }

        public override int Length { get; }

        public override IMemoryOwner<byte> Map() => new MappedView(_file.CreateViewAccessor(_offset, Length, MemoryMappedFileAccess.Read), Length);

        public override void Dispose() => _file.Dispose();
    }

    /// <summary>A read-only mapping of the file as Memory; disposing it unmaps the pages.</summary>
    private sealed unsafe class MappedView : MemoryManager<byte>, IMemoryOwner<byte>
    {
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _start;
        private readonly int _length;

        public MappedView(MemoryMappedViewAccessor view, int length)
        {
            _view = view;
            _length = length;
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _start = pointer + view.PointerOffset;
        }

        public override Span<byte> GetSpan() => new(_start, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
    }
}
