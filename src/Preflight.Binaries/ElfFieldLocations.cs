namespace Preflight.Binaries;

/// <summary>
/// Where each field the readers use sits in the ELF headers (the System V gABI's Elf64_*/Elf32_* structures), the way
/// System.Formats.Tar names its header fields: a reader says which field it reads, not a bare number.
/// </summary>
internal static class ElfFieldLocations
{
    /// <summary>e_ident bytes, the same in both classes.</summary>
    public const int IdentClass = 4;
    public const int IdentData = 5;

    /// <summary>e_machine, the same in both classes.</summary>
    public const int HeaderMachine = 18;

    /// <summary>Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr.</summary>
    public static class Elf64
    {
        public const int HeaderSize = 64;
        public const int ProgramHeaderOffset = 32; // e_phoff
        public const int SectionHeaderOffset = 40; // e_shoff
        public const int ProgramEntrySize = 54; // e_phentsize
        public const int ProgramCount = 56; // e_phnum
        public const int SectionEntrySize = 58; // e_shentsize
        public const int SectionCount = 60; // e_shnum
        public const int SectionNamesIndex = 62; // e_shstrndx

        public const int ProgramEntryMinimum = 56;
        public const int SegmentType = 0; // p_type
        public const int SegmentFlags = 4; // p_flags
        public const int SegmentOffset = 8; // p_offset
        public const int SegmentVirtualAddress = 16; // p_vaddr
        public const int SegmentFileSize = 32; // p_filesz
        public const int SegmentMemorySize = 40; // p_memsz
        public const int SegmentAlign = 48; // p_align

        public const int SectionEntryMinimum = 64;
        public const int SectionName = 0; // sh_name
        public const int SectionType = 4; // sh_type
        public const int SectionFlags = 8; // sh_flags
        public const int SectionAddress = 16; // sh_addr
        public const int SectionOffset = 24; // sh_offset
        public const int SectionSize = 32; // sh_size
        public const int SectionLink = 40; // sh_link (section 0: the real e_shstrndx under extended numbering)
    }

    /// <summary>Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr.</summary>
    public static class Elf32
    {
        public const int HeaderSize = 52;
        public const int ProgramHeaderOffset = 28;
        public const int SectionHeaderOffset = 32;
        public const int ProgramEntrySize = 42;
        public const int ProgramCount = 44;
        public const int SectionEntrySize = 46;
        public const int SectionCount = 48;
        public const int SectionNamesIndex = 50;

        public const int ProgramEntryMinimum = 32;
        public const int SegmentType = 0;
        public const int SegmentOffset = 4;
        public const int SegmentVirtualAddress = 8;
        public const int SegmentFileSize = 16;
        public const int SegmentMemorySize = 20;
        public const int SegmentFlags = 24;
        public const int SegmentAlign = 28;

        public const int SectionEntryMinimum = 40;
        public const int SectionName = 0;
        public const int SectionType = 4;
        public const int SectionFlags = 8;
        public const int SectionAddress = 12;
        public const int SectionOffset = 16;
        public const int SectionSize = 20;
        public const int SectionLink = 24;
    }
}
