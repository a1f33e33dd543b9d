using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Reads Go string variables by symbol: a Go `string` is a (pointer, length) header at the symbol's address.
/// Kata stamps its runtime's version and commit into such variables (sed-generated or `-X`), and `-trimpath` builds
/// do not record -ldflags in build info, so the symbol table is the evidence that remains. Stripped binaries have
/// no symbol table: they yield nothing, never a guess.
/// </summary>
public static class GoStringVariables
{
    private const int MaxSymbols = 2_000_000;
    private const int MaxValueLength = 256;

    /// <summary>Version and commit from variables named `*.version`/`*.VERSION` and `*.commit`/`*.COMMIT` in main or a Kata package.</summary>
    public static (string? Version, string? Commit) ReadVersionVariables(ElfFile elf, ReadOnlySpan<byte> data)
    {
        ElfSection? symtab = elf.FindSection(".symtab");
        ElfSection? strtab = elf.FindSection(".strtab");
        if (symtab is null || strtab is null || !symtab.HasFileData || !strtab.HasFileData
            || !InFile(symtab, data.Length) || !InFile(strtab, data.Length))
        {
            return (null, null);
        }
        ReadOnlySpan<byte> symbols = data.Slice((int)symtab.Offset, (int)symtab.Size);
        ReadOnlySpan<byte> names = data.Slice((int)strtab.Offset, (int)strtab.Size);
        int entrySize = elf.Class == 64 ? 24 : 16;
        string? version = null, commit = null;
        int count = Math.Min(symbols.Length / entrySize, MaxSymbols);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = symbols.Slice(i * entrySize, entrySize);
            uint nameOffset = elf.ReadUInt32(entry);
            ulong address = elf.Class == 64 ? elf.ReadUInt64(entry[8..]) : elf.ReadUInt32(entry[4..]);
            string? kind = Classify(names, nameOffset);
            if (kind is null || address == 0)
            {
                continue;
            }
            string? value = ReadStringHeader(elf, data, address);
            if (value is null)
            {
                continue;
            }
            if (kind == "version")
            {
                version ??= value;
            }
            else
            {
                commit ??= value;
            }
        }
        return (version, commit);
    }

    private static bool InFile(ElfSection section, int length) =>
        section.Offset <= (ulong)length && section.Size <= (ulong)length - section.Offset && section.Size <= int.MaxValue;

    /// <summary>"version" or "commit" for the symbols we trust, else null. Only main and Kata's own packages count.</summary>
    private static string? Classify(ReadOnlySpan<byte> names, uint offset)
    {
        if (offset >= names.Length)
        {
            return null;
        }
        ReadOnlySpan<byte> rest = names[(int)offset..];
        int end = rest.IndexOf((byte)0);
        if (end <= 0 || end > 512)
        {
            return null;
        }
        // Judged on the bytes: a Go binary has hundreds of thousands of symbols and all but a few are neither.
        ReadOnlySpan<byte> name = rest[..end];
        int dot = name.LastIndexOf((byte)'.');
        if (dot <= 0)
        {
            return null;
        }
        ReadOnlySpan<byte> package = name[..dot];
        ReadOnlySpan<byte> variable = name[(dot + 1)..];
        string? kind = variable.SequenceEqual("version"u8) || variable.SequenceEqual("VERSION"u8) ? "version"
            : variable.SequenceEqual("commit"u8) || variable.SequenceEqual("COMMIT"u8) ? "commit"
            : null;
        bool trusted = package.SequenceEqual("main"u8) || package.IndexOf("kata-containers"u8) >= 0;
        return trusted ? kind : null;
    }

    private static string? ReadStringHeader(ElfFile elf, ReadOnlySpan<byte> data, ulong address)
    {
        int pointerSize = elf.Class == 64 ? 8 : 4;
        if (!elf.TryMapAddress(address, (ulong)(2 * pointerSize), out long headerOffset) || headerOffset + 2 * pointerSize > data.Length)
        {
            return null;
        }
        ReadOnlySpan<byte> header = data.Slice((int)headerOffset, 2 * pointerSize);
        ulong pointer = elf.ReadPointer(header);
        ulong length = elf.ReadPointer(header[pointerSize..]);
        if (length == 0 || length > MaxValueLength || !elf.TryMapAddress(pointer, length, out long valueOffset)
            || valueOffset + (long)length > data.Length)
        {
            return null;
        }
        ReadOnlySpan<byte> value = data.Slice((int)valueOffset, (int)length);
        foreach (byte b in value)
        {
            if (b < 0x20 || b > 0x7e)
            {
                return null;
            }
        }
        return Encoding.ASCII.GetString(value);
    }
}
