using Preflight.Formats.Compression;
using Preflight.Formats.Streams;

namespace Preflight.Formats.Tests;

/// <summary>
/// ForwardReader is where the decompression budget is enforced. A large read goes straight from the decoder into the
/// caller's memory (issue 14: no second copy of an initrd's agent); it must give the same bytes as `gzip -dc` and
/// keep the budget to the byte, as reads through the look-ahead buffer do.
/// </summary>
public sealed class ForwardReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-forward-reader-").FullName;

    [Fact]
    public void A_large_read_after_a_small_one_gives_what_gzip_unpacks()
    {
        (byte[] packed, byte[] plain) = Gzipped();
        var reader = new ForwardReader(Decompression.Open(CompressionFormat.Gzip, new MemoryStream(packed), leaveOpen: false), long.MaxValue, "");

        var head = new byte[10]; // through the buffer, which then holds more than it handed out
        var rest = new byte[plain.Length - head.Length];
        Assert.True(reader.TryReadExactly(head));
        Assert.True(reader.TryReadExactly(rest));

        Assert.Equal(plain, head.Concat(rest).ToArray());
        Assert.Equal(plain.Length, reader.Position);
        Assert.Equal(-1, reader.Peek());
        Assert.False(reader.TryReadExactly(new byte[1]));
    }

    [Fact]
    public void A_large_read_stops_at_the_budget_to_the_byte()
    {
        (byte[] packed, byte[] plain) = Gzipped();

        var exact = new ForwardReader(Decompression.Open(CompressionFormat.Gzip, new MemoryStream(packed), leaveOpen: false), plain.Length, "over budget");
        Assert.True(exact.TryReadExactly(new byte[plain.Length]));
        Assert.Equal(-1, exact.Peek()); // ending exactly at the budget is no bomb

        var tight = new ForwardReader(Decompression.Open(CompressionFormat.Gzip, new MemoryStream(packed), leaveOpen: false), plain.Length - 1, "over budget");
        var error = Assert.Throws<FormatLimitException>(() => tight.TryReadExactly(new byte[plain.Length]));
        Assert.Equal("over budget", error.Message);
        Assert.Equal(plain.Length - 1, tight.Position);
    }

    [Fact]
    public void A_large_read_past_the_end_says_so()
    {
        (byte[] packed, byte[] plain) = Gzipped();
        var reader = new ForwardReader(Decompression.Open(CompressionFormat.Gzip, new MemoryStream(packed), leaveOpen: false), long.MaxValue, "");

        Assert.False(reader.TryReadExactly(new byte[plain.Length + 1]));
        Assert.Equal(plain.Length, reader.Position);
    }

    /// <summary>About 1.3 MB of text and its gzip, made by seq and gzip.</summary>
    private (byte[] Packed, byte[] Plain) Gzipped()
    {
        Tool.Shell(_directory, "seq 1 200000 > plain && gzip -6 -n -c plain > packed");
        return (File.ReadAllBytes(Path.Combine(_directory, "packed")), File.ReadAllBytes(Path.Combine(_directory, "plain")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
