namespace Preflight.Protocol;

/// <summary>What a catalogue constant is: a value of Storage.driver or of Device.type.</summary>
public enum ConstantKind
{
    StorageDriver,
    DeviceType,
}

/// <summary>A free-form string the runtime sends and the agent must recognise; no schema diff can see these.</summary>
public sealed record ProtocolConstant(string Value, ConstantKind Kind, string Meaning);

/// <summary>
/// Which services form the agent protocol, which RPCs a sandbox cannot start without, and which string constants to
/// look for in both binaries. The defaults come from Kata's history (shared/kata-facts.md).
/// </summary>
public sealed record CompatibilityOptions
{
    public static CompatibilityOptions Default { get; } = new();

    /// <summary>Only these services are compared; any other service in a binary is ignored here.</summary>
    public IReadOnlySet<string> ExpectedServices { get; init; } =
        new SortedSet<string>(StringComparer.Ordinal) { "grpc.AgentService", "grpc.Health" };

    /// <summary>
    /// Methods ("package.Service/Method") whose proven absence on the agent blocks instead of warns. Null (the
    /// default): the RPCs the runtime's own release calls on every sandbox, from the release catalog's required.tsv
    /// (<see cref="Catalog.ReleaseCatalog.RequiredRpcs"/>); a policy may name its own list.
    /// </summary>
    public IReadOnlySet<string>? RequiredRpcs { get; init; }

    /// <summary>Storage drivers and device types that runtimes send, with the release history behind each.</summary>
    public IReadOnlyList<ProtocolConstant> Constants { get; init; } =
    [
        new("9p", ConstantKind.StorageDriver, "virtio-9p shared filesystem; every agent up to 3.28 handles it, the Rust agent dropped it at 3.29.0"),
        new("blk", ConstantKind.StorageDriver, "virtio-blk volume, handled since the first agent"),
        new("scsi", ConstantKind.StorageDriver, "virtio-scsi volume, handled since the first agent"),
        new("ephemeral", ConstantKind.StorageDriver, "tmpfs for /dev/shm and emptyDir, sent by runtimes 1.1.0 and later; agent 1.0.0 answers Unknown storage driver"),
        new("mmioblk", ConstantKind.StorageDriver, "virtio-mmio block volume, agents 1.5.0 and later"),
        new("virtio-fs", ConstantKind.StorageDriver, "virtio-fs shared filesystem, agents 1.6.0 and later"),
        new("local", ConstantKind.StorageDriver, "sandbox-local directory volume, agents 1.7.0 and later"),
        new("blk-ccw", ConstantKind.StorageDriver, "s390x channel-attached block volume, agents 1.9.0 (Rust 2.2.0) and later"),
        new("nvdimm", ConstantKind.StorageDriver, "NVDIMM/pmem volume, agents 1.11.0 (Rust 2.1.0) and later"),
        new("watchable-bind", ConstantKind.StorageDriver, "bind mount the agent watches for updates, Rust agents 2.2.0 and later"),
        new("overlayfs", ConstantKind.StorageDriver, "overlay filesystem volume, Rust agents 2.4.0 and later"),
        new("image_guest_pull", ConstantKind.StorageDriver, "container image pulled inside the guest, Rust agents 3.3.0 and later (feature guest-pull until 3.18.0)"),
        new("erofs.multi-layer", ConstantKind.StorageDriver, "multi-layer erofs image volume, Rust agents 3.29.0 and later"),
        new("vfio", ConstantKind.DeviceType, "VFIO device type of 2.3.0 to 3.1.x, renamed vfio-pci at 3.2.0"),
        new("vfio-gk", ConstantKind.DeviceType, "guest-kernel VFIO device type of 2.3.0 to 3.1.x, renamed vfio-pci-gk at 3.2.0"),
        new("vfio-pci", ConstantKind.DeviceType, "VFIO PCI device type, 3.2.0 and later"),
        new("vfio-pci-gk", ConstantKind.DeviceType, "guest-kernel VFIO PCI device type, 3.2.0 and later"),
        new("vfio-ap", ConstantKind.DeviceType, "s390x VFIO-AP device type, 3.2.0 and later"),
        new("vfio-ap-cold", ConstantKind.DeviceType, "cold-plugged s390x VFIO-AP device type, 3.14.0 and later"),
    ];

    /// <summary>The constant values to ask the binary scanner about, for both binaries.</summary>
    public IEnumerable<string> ConstantValues => Constants.Select(c => c.Value);
}
