using System.Text;
using Preflight.Host.Apt;

namespace Preflight.Host.Tests.Apt;

/// <summary>
/// The hook input is whatever is written to the hook's stdin: repeated lines, endless lines and huge inputs must
/// cost bounded memory. The inputs are generated here (crafted: APT never writes such input, which is the point).
/// </summary>
public class AptHookInputLimitTests
{
    private const string Header = "VERSION 3\nAPT::Architecture=amd64\n\n";
    private const string KataLine = "kata-runtime 3.1.0-1 amd64 none < 3.2.0-1 amd64 none /var/cache/apt/archives/kata-runtime_3.2.0-1_amd64.deb\n";

    [Fact]
    public void A_million_lines_naming_one_deb_give_one_action()
    {
        using var reader = new GeneratedReader(Header, KataLine, repeat: 1_000_000);

        AptHookInput input = AptHookInput.Parse(reader);

        AptPackageAction action = Assert.Single(input.Actions);
        Assert.EndsWith("kata-runtime_3.2.0-1_amd64.deb", action.DebPath);
    }

    [Fact]
    public void A_300_MB_line_is_refused_without_reading_it_whole()
    {
        using var reader = new GeneratedReader(Header, "", repeat: 0, endlessLineOf: 300_000_000);

        var error = Assert.Throws<AptHookFormatException>(() => AptHookInput.Parse(reader));

        Assert.Contains($"longer than {AptHookInput.MaxLineLength} characters", error.Message);
        // Read in blocks of a few KiB: refused within one block of the limit, not after 300 MB.
        Assert.True(reader.CharactersRead < AptHookInput.MaxLineLength + 64 * 1024, $"read {reader.CharactersRead} characters");
    }

    [Fact]
    public void Distinct_lines_are_all_kept_in_order_and_carriage_returns_dropped()
    {
        string text = Header + "a 1 amd64 none < 2 amd64 none /x/a.deb\r\nb 1 amd64 none < 2 amd64 none /x/b.deb\na 1 amd64 none < 2 amd64 none /x/a.deb\n";

        AptHookInput input = AptHookInput.Parse(new StringReader(text));

        Assert.Equal(["/x/a.deb", "/x/b.deb"], input.Actions.Select(a => a.DebPath));
    }

    /// <summary>A header, then a line repeated, then optionally one endless line; never held in memory whole.</summary>
    private sealed class GeneratedReader(string header, string line, int repeat, long endlessLineOf = 0) : TextReader
    {
        private readonly string _header = header;
        private int _headerAt;
        private int _repeated;
        private int _lineAt;
        private long _endless = endlessLineOf;

        public long CharactersRead { get; private set; }

        public override int Read(char[] buffer, int index, int count)
        {
            int written = 0;
            while (written < count)
            {
                if (_headerAt < _header.Length)
                {
                    buffer[index + written++] = _header[_headerAt++];
                }
                else if (_repeated < repeat)
                {
                    buffer[index + written++] = line[_lineAt++];
                    if (_lineAt == line.Length)
                    {
                        _lineAt = 0;
                        _repeated++;
                    }
                }
                else if (_endless > 0)
                {
                    buffer[index + written++] = 'x';
                    _endless--;
                }
                else
                {
                    break;
                }
            }
            CharactersRead += written;
            return written;
        }

        public override int Read()
        {
            char[] one = new char[1];
            return Read(one, 0, 1) == 1 ? one[0] : -1;
        }
    }
}
