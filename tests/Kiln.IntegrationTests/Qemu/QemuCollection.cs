namespace Kiln.IntegrationTests.Qemu;

/// <summary>QEMU tests run one at a time: each boots a TCG guest that wants both cores, and they share one cached base.</summary>
[CollectionDefinition(Name)]
public sealed class QemuCollection
{
    public const string Name = "qemu";
}
