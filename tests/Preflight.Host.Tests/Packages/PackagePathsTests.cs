using Preflight.Tests;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

public class PackagePathsTests
{
    [Theory]
    [InlineData("./usr/bin/", "/usr/bin")]
    [InlineData("./", "/")]
    [InlineData("usr/./bin//x", "/usr/bin/x")]
    [InlineData("/../../etc/passwd", "/etc/passwd")]
    public void Normalize_makes_installed_paths(string archiveName, string expected) =>
        Assert.Equal(expected, PackagePaths.Normalize(archiveName));

    [Theory]
    [InlineData("/usr/share/kata-containers/kata.img", "kata-3.2.img", "/usr/share/kata-containers/kata-3.2.img")]
    [InlineData("/usr/share/kata-containers/kata.img", "../../../../../../etc/shadow", "/etc/shadow")]
    [InlineData("/usr/bin/x", "/opt/kata/bin/x", "/opt/kata/bin/x")]
    public void Link_targets_stay_inside_the_package_root(string link, string target, string expected) =>
        Assert.Equal(expected, PackagePaths.ResolveLinkTarget(link, target));
}
