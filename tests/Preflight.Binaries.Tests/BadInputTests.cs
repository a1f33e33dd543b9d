using System.Diagnostics;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>Damaged inputs made from real files with head/gzip: clear errors or bounded skips, never a crash.</summary>
public sealed class BadInputTests
{
    private static string Bad(string name) => Preflight.Tests.TestData.Generated("real-binaries", "bad", name);

    [Theory]
    [InlineData("not-elf", "not an ELF file")]
    [InlineData("truncated-header", "truncated ELF header")]
    [InlineData("truncated-sections", "past the end of the file")]
    public void DamagedElfRaisesBinaryFormatException(string name, string problem)
    {
        var error = Assert.Throws<BinaryFormatException>(() => BinaryInspector.InspectFile(Bad(name)));
        Assert.Contains(problem, error.Message);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void GzipBombIsAbandonedAtTheCap()
    {
        var bytes = File.ReadAllBytes(Bad("gzip-bomb"));
        Assert.True(bytes.Length < DescriptorScanner.MaxInflatedBytes, "the bomb is small compressed");
        Assert.Empty(DescriptorScanner.Scan(bytes));
    }

    [Fact]
    public void UnterminatedGzipIsSkipped()
    {
        Assert.Empty(DescriptorScanner.Scan(File.ReadAllBytes(Bad("gzip-unterminated"))));
    }
}
