using Preflight.Host.Config;

namespace Preflight.Host.Tests.Config;

/// <summary>containerd runtime classes followed to the shim, runtime binary and configuration they really use.</summary>
public class RuntimeClassTests
{
    private const string Defaults = KataPaths.KataDeployDefaultsDir;
    private const string GoShim = KataPaths.KataDeployGoRuntime;

    private const string V2Runtimes = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes";
    private const string V3Runtimes = "plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes";

    private static string Runtime(string table, string name, string runtimeType, string? runtimePath = null, string? configPath = null) =>
        $"[{table}.{name}]\nruntime_type = \"{runtimeType}\"\n" +
        (runtimePath is null ? "" : $"runtime_path = \"{runtimePath}\"\n") +
        (configPath is null ? "" : $"[{table}.{name}.options]\nConfigPath = \"{configPath}\"\n");

    private static string Wrapper(string config, string shim = GoShim) =>
        $"#!/bin/bash\nKATA_CONF_FILE={config} {shim} \"$@\"\n";

    private static IReadOnlyList<RuntimeClass> Classes(FakeHost host)
    {
        var root = new HostRoot(host.Root);
        ContainerdConfig containerd = ContainerdConfig.Load(root) ?? throw new InvalidOperationException("no containerd config");
        return RuntimeClassResolver.Resolve(root, containerd);
    }

    [Theory]
    [InlineData("io.containerd.kata-qemu.v2", "containerd-shim-kata-qemu-v2")]
    [InlineData("io.containerd.kata.v2", "containerd-shim-kata-v2")]
    [InlineData("io.containerd.runc.v2", "containerd-shim-runc-v2")]
    // containerd keeps only the last two dot-separated parts: dots never become dashes.
    [InlineData("io.containerd.kata.qemu.v2", "containerd-shim-qemu-v2")]
    [InlineData("kata.v2", "containerd-shim-kata-v2")]
    [InlineData("kata", null)]
    [InlineData(".kata.v2", null)]
    public void ShimNameFollowsContainerdBinaryName(string runtimeType, string? expected) =>
        Assert.Equal(expected, RuntimeClassResolver.ShimBinaryName(runtimeType));

    [Fact]
    public void KataDeployWrapperScriptsOnPathPickTheConfigurationPerClass()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" +
                Runtime(V2Runtimes, "runc", "io.containerd.runc.v2") +
                Runtime(V2Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2") +
                Runtime(V2Runtimes, "kata-clh", "io.containerd.kata-clh.v2"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-v2", Wrapper(Defaults + "/configuration-qemu.toml"))
            .File("/usr/local/bin/containerd-shim-kata-clh-v2",
                "#!/bin/sh\n# pin the clh configuration\nset -e\nexec env KATA_CONF_FILE=\"" + Defaults + "/configuration-clh.toml\" \\\n  " + GoShim + " \"$@\"\n")
            .File(GoShim, "\u007fELF");

        IReadOnlyList<RuntimeClass> classes = Classes(host);

        Assert.Equal(["kata-qemu", "kata-clh"], classes.Select(c => c.Name));
        RuntimeClass qemu = classes[0];
        Assert.Equal("/usr/local/bin/containerd-shim-kata-qemu-v2", qemu.Shim);
        Assert.Contains("on containerd's PATH", qemu.ShimFoundBy);
        Assert.Equal(GoShim, qemu.Runtime);
        Assert.Contains("wrapper script /usr/local/bin/containerd-shim-kata-qemu-v2 runs " + GoShim, qemu.RuntimeFoundBy);
        Assert.Equal(Defaults + "/configuration-qemu.toml", qemu.Config);
        Assert.Contains("KATA_CONF_FILE in wrapper /usr/local/bin/containerd-shim-kata-qemu-v2", qemu.ConfigFoundBy);
        Assert.Equal(KataPaths.ContainerdConfig, qemu.DefinedIn);

        RuntimeClass clh = classes[1];
        Assert.Equal(GoShim, clh.Runtime);
        Assert.Equal(Defaults + "/configuration-clh.toml", clh.Config);
    }

    [Fact]
    public void V3DropInWithRuntimePathAndConfigPathIsFollowedThroughImports()
    {
        // kata-deploy on containerd 2.x: its runtimes live in a drop-in that config.toml imports.
        const string dropIn = "/opt/kata/containerd/config.d/kata-deploy.toml";
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, $"version = 3\nimports = [\"{dropIn}\"]\n" + Runtime(V3Runtimes, "runc", "io.containerd.runc.v2"))
            .File(dropIn, "version = 3\n" +
                Runtime(V3Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2", GoShim, Defaults + "/configuration-qemu.toml") +
                Runtime(V3Runtimes, "kata-dragonball", "io.containerd.kata-dragonball.v2", KataPaths.KataDeployRustRuntime,
                    Defaults + "/runtime-rs/configuration-dragonball.toml"))
            .File(GoShim, "\u007fELF")
            .File(KataPaths.KataDeployRustRuntime, "\u007fELF");

        var root = new HostRoot(host.Root);
        ContainerdConfig containerd = ContainerdConfig.Load(root)!;
        Assert.Equal([KataPaths.ContainerdConfig, dropIn], containerd.Files);

        IReadOnlyList<RuntimeClass> classes = RuntimeClassResolver.Resolve(root, containerd);
        RuntimeClass qemu = classes.Single(c => c.Name == "kata-qemu");
        Assert.Equal(GoShim, qemu.Shim);
        Assert.Equal("runtime_path", qemu.ShimFoundBy);
        Assert.Equal(GoShim, qemu.Runtime);
        Assert.Equal(Defaults + "/configuration-qemu.toml", qemu.Config);
        Assert.Contains("options.ConfigPath", qemu.ConfigFoundBy);
        Assert.Equal(dropIn, qemu.DefinedIn);

        RuntimeClass dragonball = classes.Single(c => c.Name == "kata-dragonball");
        Assert.Equal(KataPaths.KataDeployRustRuntime, dragonball.Runtime);
    }

    [Fact]
    public void ConfigPathBeatsTheWrappersKataConfFile()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" +
                Runtime(V2Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2", configPath: "/etc/kata/qemu-from-containerd.toml"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-v2", Wrapper(Defaults + "/configuration-qemu.toml"))
            .File(GoShim, "\u007fELF");

        RuntimeClass qemu = Assert.Single(Classes(host));
        Assert.Equal("/etc/kata/qemu-from-containerd.toml", qemu.Config);
        Assert.Equal(GoShim, qemu.Runtime);
    }

    [Fact]
    public void SymlinkedShimRunsItsTargetWithTheDefaultConfiguration()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" + Runtime(V2Runtimes, "kata", "io.containerd.kata.v2"))
            .Link("/usr/local/bin/containerd-shim-kata-v2", GoShim)
            .File(GoShim, "\u007fELF");

        RuntimeClass kata = Assert.Single(Classes(host));
        Assert.Equal("/usr/local/bin/containerd-shim-kata-v2", kata.Shim);
        Assert.Equal(GoShim, kata.Runtime);
        Assert.Contains("links to " + GoShim, kata.RuntimeFoundBy);
        // A kata-deploy shim without /etc/kata-containers reads kata-deploy's shipped default.
        Assert.Equal(KataPaths.KataDeployDefaultConfig, kata.Config);
        Assert.Contains("default path", kata.ConfigFoundBy);
    }

    [Fact]
    public void EtcConfigurationIsTheDefaultWhenPresent()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" + Runtime(V2Runtimes, "kata", "io.containerd.kata.v2"))
            .File("/usr/bin/containerd-shim-kata-v2", "\u007fELF")
            .File(KataPaths.EtcConfig, FakeHost.Hypervisor("qemu", image: "/x.img"));

        RuntimeClass kata = Assert.Single(Classes(host));
        Assert.Equal("/usr/bin/containerd-shim-kata-v2", kata.Runtime);
        Assert.Contains("the shim itself", kata.RuntimeFoundBy);
        Assert.Equal(KataPaths.EtcConfig, kata.Config);
    }

    [Fact]
    public void MissingShimIsNamedWithThePathSearched()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" +
                Runtime(V2Runtimes, "kata-fc", "io.containerd.kata-fc.v2") +
                Runtime(V2Runtimes, "kata-gone", "io.containerd.kata-gone.v2", runtimePath: "/opt/kata/bin/gone"))
            // Outside containerd's PATH: containerd would not find it either.
            .File("/opt/elsewhere/containerd-shim-kata-fc-v2", "\u007fELF");

        IReadOnlyList<RuntimeClass> classes = Classes(host);
        RuntimeClass fc = classes[0];
        Assert.Null(fc.Shim);
        Assert.Null(fc.Runtime);
        Assert.Contains("containerd-shim-kata-fc-v2 (for runtime_type io.containerd.kata-fc.v2) not found on containerd's PATH /usr/local/sbin:", fc.ShimFoundBy);
        RuntimeClass gone = classes[1];
        Assert.Null(gone.Shim);
        Assert.Equal("runtime_path /opt/kata/bin/gone does not exist", gone.ShimFoundBy);
    }

    [Fact]
    public void OversizedScriptIsNotReadAndTheInstallsRuntimeIsAssumed()
    {
        string huge = Wrapper(Defaults + "/configuration-qemu.toml") + "# " + new string('x', ShimScript.MaxBytes) + "\n";
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" + Runtime(V2Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-v2", huge)
            .File(KataPaths.KataDeployDefaultConfig, FakeHost.Hypervisor("qemu", image: "/x.img"))
            .File(GoShim, "\u007fELF");

        RuntimeClass qemu = Assert.Single(Classes(host));
        Assert.Equal("/usr/local/bin/containerd-shim-kata-qemu-v2", qemu.Shim);
        Assert.Contains("not understood", qemu.RuntimeFoundBy);
        Assert.Contains("larger than", qemu.RuntimeFoundBy);
        // Its KATA_CONF_FILE was never read: the class falls back to the defaults and the install's runtime.
        Assert.Equal(KataPaths.KataDeployDefaultConfig, qemu.Config);
        Assert.Equal(GoShim, qemu.Runtime);
        Assert.Contains("assumed the runtime of the configuration's install", qemu.RuntimeFoundBy);
    }

    [Fact]
    public void ScriptThatNeedsAShellIsNotFollowed()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" + Runtime(V2Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-v2",
                "#!/bin/bash\nKATA_CONF_FILE=$(ls /opt/kata/share/defaults/kata-containers/*.toml | head -1) " + GoShim + " \"$@\"\n")
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/x.img"))
            .File("/usr/bin/containerd-shim-kata-v2", "\u007fELF");

        RuntimeClass qemu = Assert.Single(Classes(host));
        Assert.Contains("not understood", qemu.RuntimeFoundBy);
        Assert.Equal(KataPaths.DistroDefaultConfig, qemu.Config);
        Assert.Equal("/usr/bin/containerd-shim-kata-v2", qemu.Runtime);
    }

    [Fact]
    public void MalformedContainerdConfigNamesFileAndLine()
    {
        const string dropIn = "/etc/containerd/conf.d/50-kata.toml";
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 3\nimports = [\"conf.d/*.toml\"]\n")
            .File(dropIn, "version = 3\n[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.kata]\nruntime_type = \n");

        var e = Assert.Throws<HostConfigException>(() => ContainerdConfig.Load(new HostRoot(host.Root)));
        Assert.Equal(dropIn, e.File);
        Assert.Equal(3, e.Line);
        Assert.StartsWith(dropIn + ":3:", e.Message);
        Assert.Contains("TOML syntax error", e.Message);
    }

    [Fact]
    public void MalformedContainerdConfigIsSkippedByDiscovery()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n[plugins\n")
            .File(KataPaths.DistroDefaultConfig, FakeHost.Hypervisor("qemu", image: "/x.img"));

        ConfigCandidate found = Assert.Single(new ConfigDiscovery(new HostRoot(host.Root), environment: _ => null).Discover());
        Assert.Equal(KataPaths.DistroDefaultConfig, found.HostPath);
        Assert.Null(found.RuntimeClass);
    }

    [Fact]
    public void ImportsAreRelativeGlobbedInNameOrderAndOverrideKeyByKey()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\nimports = [\"conf.d/*.toml\", \"/etc/containerd/conf.d/10-first.toml\"]\n" +
                Runtime(V2Runtimes, "kata", "io.containerd.kata.v2", configPath: "/from/main.toml"))
            .File("/etc/containerd/conf.d/10-first.toml", $"[{V2Runtimes}.kata.options]\nConfigPath = \"/from/10.toml\"\n")
            .File("/etc/containerd/conf.d/20-second.toml", $"[{V2Runtimes}.kata]\nruntime_path = \"/opt/kata/bin/containerd-shim-kata-v2\"\n")
            .File("/etc/containerd/conf.d/notes.txt", "[not toml");

        ContainerdConfig containerd = ContainerdConfig.Load(new HostRoot(host.Root))!;

        // Each file once, even when imported twice.
        Assert.Equal([KataPaths.ContainerdConfig, "/etc/containerd/conf.d/10-first.toml", "/etc/containerd/conf.d/20-second.toml"], containerd.Files);
        ContainerdRuntime kata = Assert.Single(containerd.Runtimes);
        Assert.Equal("io.containerd.kata.v2", kata.RuntimeType);
        Assert.Equal("/from/10.toml", kata.ConfigPath);
        Assert.Equal("/opt/kata/bin/containerd-shim-kata-v2", kata.RuntimePath);
        Assert.Equal("/etc/containerd/conf.d/20-second.toml", kata.DefinedIn);
    }

    [Fact]
    public void ImportLoopEndsAndMissingImportIsSkipped()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\nimports = [\"/etc/containerd/a.toml\", \"/etc/containerd/missing.toml\"]\n")
            .File("/etc/containerd/a.toml", "imports = [\"/etc/containerd/config.toml\"]\n" + Runtime(V2Runtimes, "kata", "io.containerd.kata.v2"));

        ContainerdConfig containerd = ContainerdConfig.Load(new HostRoot(host.Root))!;
        Assert.Equal([KataPaths.ContainerdConfig, "/etc/containerd/a.toml"], containerd.Files);
        Assert.Single(containerd.Runtimes);
    }

    [Fact]
    public void DiscoveryListsOneCandidatePerClassAndTheRestOnce()
    {
        // Two classes read the same file through different shims: both pairs matter.
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" +
                Runtime(V2Runtimes, "kata-qemu", "io.containerd.kata-qemu.v2") +
                Runtime(V2Runtimes, "kata-qemu-old", "io.containerd.kata-qemu-old.v2"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-v2", Wrapper(Defaults + "/configuration-qemu.toml"))
            .File("/usr/local/bin/containerd-shim-kata-qemu-old-v2", Wrapper(Defaults + "/configuration-qemu.toml", "/opt/kata-old/bin/containerd-shim-kata-v2"))
            .File(Defaults + "/configuration-qemu.toml", FakeHost.Hypervisor("qemu", image: "/x.img"))
            .File(Defaults + "/configuration-clh.toml", FakeHost.Hypervisor("clh", image: "/x.img"))
            .Link(Defaults + "/configuration.toml", "configuration-qemu.toml")
            .File(GoShim, "\u007fELF")
            .File("/opt/kata-old/bin/containerd-shim-kata-v2", "\u007fELF");

        var found = new ConfigDiscovery(new HostRoot(host.Root), environment: _ => null).Discover();

        Assert.Equal(
            [Defaults + "/configuration-qemu.toml", Defaults + "/configuration-qemu.toml", Defaults + "/configuration-clh.toml"],
            found.Select(c => c.HostPath));
        Assert.Equal(GoShim, found[0].RuntimeClass!.Runtime);
        Assert.Equal("/opt/kata-old/bin/containerd-shim-kata-v2", found[1].RuntimeClass!.Runtime);
        Assert.Null(found[2].RuntimeClass);
    }

    [Fact]
    public void NonKataRuntimesAreLeftAlone()
    {
        using var host = new FakeHost()
            .File(KataPaths.ContainerdConfig, "version = 2\n" +
                Runtime(V2Runtimes, "runc", "io.containerd.runc.v2") +
                Runtime(V2Runtimes, "gvisor", "io.containerd.runsc.v1"));

        Assert.Empty(Classes(host));
    }
}

public class ShimScriptTests
{
    [Theory]
    [InlineData("#!/bin/bash\nKATA_CONF_FILE=/c.toml /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nexec env KATA_CONF_FILE=\"/c.toml\" \\\n  /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/usr/bin/env bash\n# comment\nKATA_CONF_FILE='/c.toml' exec /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nset -e\nexport KATA_CONF_FILE=/c.toml\nexec /opt/kata/bin/containerd-shim-kata-v2 $@\n")]
    public void SimpleFormsAreUnderstood(string text)
    {
        ShimScript script = ShimScript.Parse(text) ?? throw new Xunit.Sdk.XunitException("not understood");
        Assert.Equal("/opt/kata/bin/containerd-shim-kata-v2", script.ExecPath);
        Assert.Equal("/c.toml", script.Environment["KATA_CONF_FILE"]);
    }

    [Fact]
    public void AWrapperWithoutEnvironmentJustRunsItsProgram()
    {
        ShimScript script = ShimScript.Parse("#!/bin/sh\nexec /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")!;
        Assert.Equal("/opt/kata/bin/containerd-shim-kata-v2", script.ExecPath);
        Assert.Empty(script.Environment);
    }

    [Theory]
    [InlineData("#!/bin/sh\nKATA_CONF_FILE=$CONF /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nKATA_CONF_FILE=\"${DIR}/c.toml\" /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nlogger starting; /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nlogger starting\n/opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\n/opt/kata/bin/containerd-shim-kata-v2 --debug \"$@\"\n")]
    [InlineData("#!/bin/sh\ncontainerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nKATA_CONF_FILE=/c.toml\n/opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n")]
    [InlineData("#!/bin/sh\nif true; then exec /opt/kata/bin/containerd-shim-kata-v2 \"$@\"; fi\n")]
    [InlineData("#!/bin/sh\n# nothing runs\n")]
    public void AnythingNeedingAShellIsNotUnderstood(string text) => Assert.Null(ShimScript.Parse(text));
}
