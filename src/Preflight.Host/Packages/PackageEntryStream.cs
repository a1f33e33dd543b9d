
using Preflight.Formats.Streams;

namespace Preflight.Host.Packages;

/// <summary>
/// A forward-only read of one archive member's bytes: never reads past the member's length, reports a payload
/// that ends early or is corrupt as a <see cref="PackageFormatException"/>, and disposes the whole reading stack
/// (archive reader, decompressor, file) when it is disposed.
/// </summary>
internal sealed class PackageEntryStream : ForwardOnlyStream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly string _file;
    private readonly string _memberPath;
    private readonly IDisposable[] _owned;
    private long _position;

    public PackageEntryStream(Stream inner, long length, string file, string memberPath, params IDisposable[] owned)
    {
        _inner = inner;
        _length = length;
        _file = file;
        _memberPath = memberPath;
        _owned = owned;
    }

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("package payload streams are forward-only");
    }

    public override int Read(Span<byte> buffer)
    {
        long remaining = _length - _position;
        if (remaining <= 0 || buffer.Length == 0)
        {
            return 0;
        }
        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (Exception ex) when (PackageFormatException.IsCorruptData(ex) || ex is IOException)
        {
            throw new PackageFormatException(_file, null, $"payload is corrupt while reading {_memberPath}: {ex.Message}", ex);
        }
        if (read == 0)
        {
            throw new PackageFormatException(_file, null, $"payload ends {remaining} bytes before the end of {_memberPath}");
        }
        _position += read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (IDisposable owned in _owned)
            {
                owned.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
