using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.Initrd;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Agent;

/// <summary>The locator on rootfs variants osbuilder can produce, as cpio archives and as ext4 DAX disk images.</summary>
public sealed class AgentLocatorTests
{
    private static string AgentSha => File.ReadAllText(TestData.Generated("initrd", "agent.sha256")).Trim();

    private static AgentLocation? LocateInCpio(string variant)
    {
        string path = TestData.Generated("initrd", $"variant-{variant}.cpio");
        using FileStream file = File.OpenRead(path);
        using InitrdFileSystem fs = InitrdFileSystem.Open(file, path);
        AgentLocation? found = AgentLocator.Locate(fs);
        if (found is not null)
        {
            Assert.Equal(AgentSha, AgentLocator.Sha256Hex(fs, found));
        }
        return found;
    }

    [Theory]
    [InlineData("systemd", "/usr/bin/kata-agent", "/usr/bin/kata-agent", "systemd-unit", "/usr/lib/systemd/system/kata-agent.service")]
    [InlineData("renamed", "/usr/bin/kata-agent-custom", "/usr/bin/kata-agent-custom", "systemd-unit", "/etc/systemd/system/kata-agent.service")]
    [InlineData("abs-symlink", "/usr/bin/kata-agent", "/opt/kata/bin/kata-agent", "systemd-unit", "/usr/lib/systemd/system/kata-agent.service")]
    public void Finds_the_agent_in_each_variant(string variant, string path, string resolved, string foundBy, string? unit)
    {
        AgentLocation? found = LocateInCpio(variant);
        Assert.Equal((path, resolved, foundBy, unit), (found?.Path, found?.ResolvedPath, found?.FoundBy.Name(), found?.Unit));
        Assert.True(found!.Length > 1024 * 1024);
    }

    [Fact]
    public void No_agent_is_null_and_required_lookup_says_where_it_looked()
    {
        Assert.Null(LocateInCpio("no-agent"));
        string path = TestData.Generated("initrd", "variant-no-agent.cpio");
        using FileStream file = File.OpenRead(path);
        using InitrdFileSystem fs = InitrdFileSystem.Open(file, path);
        var error = Assert.Throws<ImageFormatException>(() => AgentLocator.LocateRequired(fs, path));
        Assert.Contains("no kata-agent found", error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_symlink_loop_is_an_image_error()
    {
        var error = Assert.Throws<ImageFormatException>(() => LocateInCpio("loop"));
        Assert.Contains("loop", error.Message);
        Assert.Contains("variant-loop.cpio", error.Message);
    }

    [Theory]
    [InlineData("agent-init-ext4", "/sbin/init", "init")]
    [InlineData("agent-init-xfs", "/sbin/init", "init")]
    [InlineData("agent-init-erofs", "/sbin/init", "init")]
    [InlineData("renamed-ext4", "/usr/bin/kata-agent-custom", "systemd-unit")]
    [InlineData("abs-symlink-ext4", "/opt/kata/bin/kata-agent", "systemd-unit")]
    [InlineData("abs-symlink-xfs", "/opt/kata/bin/kata-agent", "systemd-unit")]
    [InlineData("abs-symlink-erofs", "/opt/kata/bin/kata-agent", "systemd-unit")]
    public void Finds_the_agent_in_disk_image_variants(string variant, string resolved, string foundBy)
    {
        using OpenedImage opened = GuestImage.Open(TestData.Generated("layouts", $"variant-{variant}.img"));
        AgentLocation? found = AgentLocator.Locate(opened.FileSystem);
        Assert.NotNull(found);
        Assert.Equal(resolved, found.ResolvedPath);
        Assert.Equal(foundBy, found.FoundBy.Name());
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(opened.FileSystem, found));
    }

    [Fact]
    public void Disk_image_without_agent_gives_null()
    {
        using OpenedImage opened = GuestImage.Open(TestData.Generated("layouts", "variant-no-agent-ext4.img"));
        Assert.Null(AgentLocator.Locate(opened.FileSystem));
    }

    [Theory]
    [InlineData("variant-loop-ext4.img")]
    [InlineData("variant-loop-xfs.img")]
    [InlineData("variant-loop-erofs.img")]
    public void Disk_image_with_a_symlink_loop_is_an_error_naming_the_file(string image)
    {
        using OpenedImage looped = GuestImage.Open(TestData.Generated("layouts", image));
        var error = Assert.Throws<ImageFormatException>(() => AgentLocator.Locate(looped.FileSystem));
        Assert.Contains(image, error.Message);
        Assert.Contains("loop", error.Message);
    }

    [Fact]
    public void Read_agent_refuses_a_file_over_the_cap()
    {
        string path = TestData.Generated("initrd", "variant-systemd.cpio");
        using FileStream file = File.OpenRead(path);
        using InitrdFileSystem fs = InitrdFileSystem.Open(file, path);
        AgentLocation agent = AgentLocator.LocateRequired(fs, path);
        var error = Assert.Throws<ImageFormatException>(() => AgentLocator.ReadAgent(fs, agent, maxBytes: 1000));
        Assert.Contains("over the limit of 1000 bytes", error.Message);
    }

    [Theory]
    [InlineData("[Service]\nExecStart=/usr/bin/kata-agent\n", "/usr/bin/kata-agent")]
    [InlineData("[Service]\nExecStart=-/usr/bin/kata-agent --log debug\n", "/usr/bin/kata-agent")]
    [InlineData("[Service]\nExecStart=@/usr/bin/agent kata-agent\n", "/usr/bin/agent")]
    [InlineData("[Service]\nExecStart=!!/opt/a b\n", "/opt/a")]
    [InlineData("[Service]\nExecStart=/first\nExecStart=\nExecStart=/second\n", "/second")]
    [InlineData("[Service]\nExecStart=\\\n  /usr/bin/kata-agent\n", "/usr/bin/kata-agent")]
    [InlineData("[Unit]\nExecStart=/not/service\n", null)]
    [InlineData("[Service]\nExecStart=\"/usr/bin/with space\" x\n", "/usr/bin/with space")]
    public void Unit_exec_start_binary(string unit, string? binary)
    {
        Assert.Equal(binary, SystemdUnit.ExecStartBinary(unit));
    }

    [Fact]
    public void Osbuilder_yaml_in_kata_format()
    {
        string path = TestData.Generated("initrd", "variant-systemd.cpio");
        using FileStream file = File.OpenRead(path);
        using InitrdFileSystem fs = InitrdFileSystem.Open(file, path);
        OsBuilderInfo? info = OsBuilderMetadata.Read(fs);
        Assert.NotNull(info);
        Assert.Equal("0.0.2", info.FileFormatVersion);
        Assert.Equal("3.2.0-fixture", info.OsBuilderVersion);
        Assert.Equal("https://github.com/kata-containers/kata-containers/tools/osbuilder", info.OsBuilderUrl);
        Assert.Equal("2026-01-02T03:04:05.000000000+0000Z", info.RootfsCreationTime);
        Assert.Equal("osbuilder rootfs", info.Description);
        Assert.Equal("x86_64", info.Architecture);
        Assert.Equal("ubuntu", info.BaseDistroName);
        Assert.Equal("focal", info.BaseDistroVersion);
        Assert.Equal(["chrony", "iptables"], info.BaseDistroPackages);
        Assert.Equal("kata-agent", info.AgentName);
        Assert.Equal("3.2.0", info.AgentVersion);
        Assert.Equal("https://github.com/kata-containers/kata-containers", info.AgentUrl);
        Assert.False(info.AgentIsInitDaemon);
    }

    [Fact]
    public void Osbuilder_yaml_ignores_unknown_keys_and_comments()
    {
        OsBuilderInfo info = OsBuilderMetadata.Parse("# c\nagent:\n  extra:\n    deep: 1\n  version: 2.5.0 # trailing\n  agent-is-init-daemon: \"yes\"\nother: x\n");
        Assert.Equal("2.5.0", info.AgentVersion);
        Assert.True(info.AgentIsInitDaemon);
        Assert.Null(info.AgentName);
        Assert.Empty(info.BaseDistroPackages);
    }
}
