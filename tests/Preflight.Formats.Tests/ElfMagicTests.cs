namespace Preflight.Formats.Tests;

/// <summary>The ELF magic check every layer uses, on a real executable and on a real script.</summary>
public sealed class ElfMagicTests
{
    [Fact]
    public void A_real_executable_starts_with_the_magic_and_a_script_does_not()
    {
        string shell = File.ResolveLinkTarget("/bin/sh", returnFinalTarget: true)?.FullName ?? "/bin/sh";
        using (FileStream executable = File.OpenRead(shell))
        {
            Assert.True(ElfMagic.StartsWith(executable));
        }
        string script = Tool.Shell(Path.GetTempPath(), "command -v ldd").Trim();
        using (FileStream text = File.OpenRead(script))
        {
            Assert.False(ElfMagic.StartsWith(text));
        }
        Assert.False(ElfMagic.StartsWith((ReadOnlySpan<byte>)[0x7F, (byte)'E', (byte)'L']));
    }
}
