using System.Text;
using Preflight.Host.Apt;

namespace Preflight.Host.Dnf;

/// <summary>
/// What kata-preflight's dnf plugin (packaging/dnf/kata_preflight.py) writes to `kata-preflight hook dnf`: one line
/// per package the transaction installs (install, upgrade, downgrade, reinstall), "NAME PATH", where PATH is the
/// downloaded .rpm. The plugin lists every package and this side picks Kata's (<see cref="KataPackageNames"/>), so
/// the APT hook and the dnf plugin follow one rule for which packages count.
/// </summary>
public sealed class DnfHookInput
{
    /// <summary>A 10,000-package transaction is about 1.5 MB of input; this bounds a runaway writer.</summary>
    public const int MaxInputCharacters = 16 * 1024 * 1024;

    private DnfHookInput(IReadOnlyList<DnfIncomingPackage> packages)
    {
        Packages = packages;
        KataPackages = packages.Where(package => KataPackageNames.IsKata(package.Name)).ToList();
    }

    /// <summary>Every package the transaction installs, in the plugin's order.</summary>
    public IReadOnlyList<DnfIncomingPackage> Packages { get; }

    /// <summary>The incoming packages that are Kata's; empty when the transaction does not touch Kata.</summary>
    public IReadOnlyList<DnfIncomingPackage> KataPackages { get; }

    /// <summary>Parses the plugin's listing; <paramref name="input"/> names it in errors.</summary>
    public static DnfHookInput Parse(TextReader reader, string input = "stdin")
    {
        string text = ReadBounded(reader, input);
        var packages = new List<DnfIncomingPackage>();
        string[] lines = text.Split('\n');
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string name = space > 0 ? line[..space] : "";
            string path = space > 0 ? line[(space + 1)..] : "";
            if (name.Length == 0 || !path.StartsWith('/'))
            {
                throw new DnfHookFormatException(input, index + 1, "expected \"NAME /path/to/package.rpm\"");
            }
            packages.Add(new DnfIncomingPackage(name, path));
        }
        return new DnfHookInput(packages);
    }

    private static string ReadBounded(TextReader reader, string input)
    {
        var text = new StringBuilder();
        char[] block = new char[8192];
        int read;
        while ((read = reader.Read(block, 0, block.Length)) > 0)
        {
            if (text.Length + read > MaxInputCharacters)
            {
                throw new DnfHookFormatException(input, 0, $"more than {MaxInputCharacters} characters of input");
            }
            text.Append(block, 0, read);
        }
        return text.ToString();
    }
}

/// <summary>A package a dnf transaction installs, and where dnf downloaded it.</summary>
public sealed record DnfIncomingPackage(string Name, string RpmPath);

/// <summary>Raised when the dnf plugin's listing is not "NAME PATH" lines; names the input and the line.</summary>
public sealed class DnfHookFormatException : PreflightInputException
{
    public DnfHookFormatException(string input, int line, string problem)
        : base(input, problem, line > 0 ? $"{input}: line {line}: {problem}" : $"{input}: {problem}")
    {
        Line = line;
    }

    /// <summary>The line at fault, 1-based; 0 when the input as a whole is.</summary>
    public int Line { get; }
}
