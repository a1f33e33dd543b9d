using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Erofs;

namespace Preflight.Imaging.Tests.Erofs;

/// <summary>
/// Robustness: real mkfs.erofs images with metadata bytes overwritten in memory (the fixture files stay
/// untouched). Whatever the damage, the reader must either read something or raise ImageFormatException;
/// never another exception, a hang or a huge allocation.
/// </summary>
public sealed class ErofsCorruptionTests
{
    private const int MaxBytesPerFile = 64 * 1024;

    [Theory]
    [InlineData("plain", 1)]
    [InlineData("noinline", 2)]
    [InlineData("lz4", 3)]
    [InlineData("lz4-legacy", 4)]
    [InlineData("lz4hc-bigpcluster", 5)]
    [InlineData("lz4-ztailpacking", 6)]
    [InlineData("chunked-indexes", 7)]
    public void Damaged_metadata_gives_image_format_errors_only(string variant, int seed)
    {
        byte[] original = File.ReadAllBytes(ErofsFixture.ImagePath(variant));
        var (metaStart, metaEnd) = MetadataRange(variant);
        var random = new Random(seed);
        int formatErrors = 0;
        for (int round = 0; round < 150; round++)
        {
            byte[] image = (byte[])original.Clone();
            // Damage a few bytes in the superblock or the inode/index/inline area.
            for (int i = 0; i < 4; i++)
            {
                int at = round % 5 == 0
                    ? 1024 + random.Next(96)
                    : metaStart + random.Next(metaEnd - metaStart);
                image[at] = (byte)random.Next(256);
            }
            try
            {
                using var stream = new MemoryStream(image, writable: false);
                using ErofsFileSystem fs = ErofsFileSystem.Open(stream, $"{variant}#{round}");
                WalkBounded(fs, "/", depth: 0);
            }
            catch (ImageFormatException e)
            {
                Assert.Contains($"{variant}#{round}", e.Message);
                formatErrors++;
            }
        }
        Assert.True(formatErrors > 0, "no damage was detected at all: the test is not damaging anything");
    }

    /// <summary>The region holding inodes of the variant: from the root inode to the end of big.bin's inode.</summary>
    private static (int Start, int End) MetadataRange(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        long root = fs.GetEntry("/")!.Inode;
        long last = new[] { "/data/big.bin", "/usr/bin/kata-agent", "/many", "/links/long-agent" }
            .Max(p => fs.GetEntry(p, followLinks: false)!.Inode);
        // nids are 32-byte slots from meta_blkaddr, which mkfs.erofs 1.5 leaves at 0.
        return ((int)(root * 32), (int)(last * 32) + 4096);
    }

    private static void WalkBounded(ErofsFileSystem fs, string directory, int depth)
    {
        if (depth > 8)
        {
            return;
        }
        var buffer = new byte[8192];
        foreach (string name in fs.ListDirectory(directory).Take(50))
        {
            string path = directory == "/" ? "/" + name : directory + "/" + name;
            FileSystemEntry? entry = fs.GetEntry(path, followLinks: false);
            if (entry is null)
            {
                continue; // damaged ordering can hide a name from the binary search
            }
            switch (entry.Kind)
            {
                case FileKind.Directory:
                    WalkBounded(fs, path, depth + 1);
                    break;
                case FileKind.Symlink:
                    fs.ReadLink(path);
                    break;
                case FileKind.File:
                    using (Stream content = fs.OpenFile(path))
                    {
                        int total = 0;
                        int n;
                        while (total < MaxBytesPerFile && (n = content.Read(buffer)) > 0)
                        {
                            total += n;
                        }
                        if (content.Length > 2 * buffer.Length)
                        {
                            content.Seek(-buffer.Length, SeekOrigin.End);
                            content.ReadExactly(buffer);
                        }
                    }
                    break;
            }
        }
    }
}
