using Preflight.Host.Config;

namespace Preflight.Host.Tests.Config;

public class ConfigDiscoveryTests
{
    private static IReadOnlyList<ConfigCandidate> Discover(FakeHost host, string? kataConfFile = null) =>
        new ConfigDiscovery(new HostRoot(host.Root), environment: name => name == "KATA_CONF_FILE" ? kataConfFile : null).Discover();

    [Fact]
    public void DistroInstallIsFoundAtTheShippedDefault()
    {
        using var host = new FakeHost()
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/usr/share/kata-containers/kata-containers.img"))
            .File("/usr/bin/containerd-shim-kata-v2", "x");

        ConfigCandidate found = Assert.Single(Discover(host));
        Assert.Equal(KataPaths.DistroDefaultConfig, found.HostPath);

        var root = new HostRoot(host.Root);
        KataConfiguration config = KataConfiguration.Load(root, found.HostPath, found.FoundBy);
        HypervisorSection qemu = Assert.Single(config.Hypervisors);
        Assert.Equal("/usr/share/kata-containers/kata-containers.img", qemu.GuestImage);
        Assert.Equal("/usr/bin/containerd-shim-kata-v2", RuntimeLocator.ForConfiguration(root, config.ResolvedHostPath));
    }

    [Fact]
    public void EtcOverridesTheShippedDefault()
    {
        using var host = new FakeHost()
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/a.img"))
            .File(KataPaths.EtcConfig, FakeHost.Hypervisor("qemu", image: "/b.img"));

        ConfigCandidate found = Assert.Single(Discover(host));
        Assert.Equal(KataPaths.EtcConfig, found.HostPath);
    }

    [Fact]
    public void KataDeployLinksAreResolvedUnderTheRootAndListedOnce()
    {
        const string dir = KataPaths.KataDeployDefaultsDir;
        using var host = new FakeHost()
            .File(dir + "/configuration-qemu.toml", FakeHost.Hypervisor("qemu", image: "/opt/kata/share/kata-containers/kata-containers.img"))
            .File(dir + "/configuration-clh.toml", FakeHost.Hypervisor("clh", image: "/opt/kata/share/kata-containers/kata-containers.img"))
            .Link(dir + "/configuration.toml", "configuration-qemu.toml")
            .File("/opt/kata/share/kata-containers/kata-containers-3.2.0.img", "image")
            // An absolute link target is a host path: it must resolve under the root, never on this machine.
            .Link("/opt/kata/share/kata-containers/kata-containers.img", "/opt/kata/share/kata-containers/kata-containers-3.2.0.img")
            .File(KataPaths.KataDeployGoRuntime, "x");

        var found = Discover(host);
        Assert.Equal(
            [dir + "/configuration.toml", dir + "/configuration-clh.toml"],
            found.Select(c => c.HostPath));

        var root = new HostRoot(host.Root);
        Assert.Equal(host.Real("/opt/kata/share/kata-containers/kata-containers-3.2.0.img"),
            root.Resolve("/opt/kata/share/kata-containers/kata-containers.img"));
        KataConfiguration config = KataConfiguration.Load(root, found[0].HostPath, found[0].FoundBy);
        Assert.Equal(dir + "/configuration-qemu.toml", config.ResolvedHostPath);
        Assert.Equal(KataPaths.KataDeployGoRuntime, RuntimeLocator.ForConfiguration(root, config.ResolvedHostPath));
    }

    [Fact]
    public void ContainerdConfigPathAndKataConfFileComeFirst()
    {
        using var host = new FakeHost()
            .File("/etc/containerd/config.toml",
                "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-fc]\n" +
                "runtime_type = \"io.containerd.kata-fc.v2\"\n" +
                "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-fc.options]\n" +
                "ConfigPath = \"/opt/kata/share/defaults/kata-containers/configuration-fc.toml\"\n")
            .File(KataPaths.KataDeployDefaultsDir + "/configuration-fc.toml", FakeHost.Hypervisor("firecracker", image: "/fc.img"))
            .File("/srv/custom.toml", FakeHost.Hypervisor("qemu", initrd: "/initrd.img"))
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/a.img"));

        var found = Discover(host, kataConfFile: "/srv/custom.toml");
        Assert.Equal(
            [KataPaths.KataDeployDefaultsDir + "/configuration-fc.toml", "/srv/custom.toml", KataPaths.DistroDefaultConfig],
            found.Select(c => c.HostPath));
        Assert.Contains("kata-fc", found[0].FoundBy);
        Assert.Equal("KATA_CONF_FILE", found[1].FoundBy);
    }

    [Fact]
    public void NoKataMeansNothingFound()
    {
        using var host = new FakeHost().File("/etc/hostname", "node-1");
        Assert.Empty(Discover(host));
    }

    [Fact]
    public void DropInsChangeTheImage()
    {
        using var host = new FakeHost()
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/old.img"))
            .File("/usr/share/defaults/kata-containers/config.d/50-image.toml", "[hypervisor.qemu]\nimage = \"/new.img\"\n");

        KataConfiguration config = KataConfiguration.Load(new HostRoot(host.Root), KataPaths.DistroDefaultConfig, "test");
        Assert.Equal("/new.img", Assert.Single(config.Hypervisors).Image);
        Assert.Equal("/usr/bin/qemu-system-x86_64", config.Hypervisors[0].Path);
        Assert.Single(config.DropIns);
    }

    [Fact]
    public void SyntaxErrorNamesFileLineAndColumn()
    {
        using var host = new FakeHost().File(KataPaths.EtcConfig, "[hypervisor.qemu]\nimage = \"/x.img\"\npath = \n");

        var e = Assert.Throws<HostConfigException>(() => KataConfiguration.Load(new HostRoot(host.Root), KataPaths.EtcConfig, "test"));
        Assert.Equal(KataPaths.EtcConfig, e.File);
        Assert.Equal(3, e.Line);
        Assert.Equal(8, e.Column);
        Assert.StartsWith("/etc/kata-containers/configuration.toml:3:8: TOML syntax error", e.Message);
    }

    [Fact]
    public void SymlinkLoopUnderRootIsAnErrorNotAHang()
    {
        using var host = new FakeHost().Link("/etc/a", "/etc/b").Link("/etc/b", "/etc/a");
        Assert.Throws<IOException>(() => new HostRoot(host.Root).Resolve("/etc/a"));
    }

    [Fact]
    public void DotDotCannotEscapeTheRoot()
    {
        using var host = new FakeHost().File("/etc/passwd", "fake");
        var root = new HostRoot(host.Root);
        Assert.Equal(host.Real("/etc/passwd"), root.Resolve("/../../../../etc/passwd"));
    }
}
