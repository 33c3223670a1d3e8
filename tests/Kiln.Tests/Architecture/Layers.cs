namespace Kiln.Tests.Architecture;

/// <summary>
/// The layers of src/Kiln, lowest first (docs/architecture.md explains them). A part may use its own types and those of
/// parts in lower layers; parts of the same layer are independent of each other. A namespace belongs to the longest
/// part it starts with, so Kiln.Builders.Qemu is its own part above Kiln.Builders.
/// </summary>
internal static class Layers
{
    public static IReadOnlyList<IReadOnlyList<string>> OfKiln { get; } =
    [
        ["Kiln.Diagnostics", "Kiln.Secrets", "Kiln.Model"],
        ["Kiln.Definitions"],
        ["Kiln.Engine"],
        ["Kiln.Ledger", "Kiln.Consoles", "Kiln.Docker"],
        ["Kiln.Communicators"],
        ["Kiln.Provisioners", "Kiln.Publishers"],
        ["Kiln.Steps"],
        ["Kiln.Builders"],
        ["Kiln.Builders.Amazon", "Kiln.Builders.Docker", "Kiln.Builders.Qemu"],
        ["Kiln.Plugins"],
        ["Kiln.Sessions"],
        ["Kiln.Images"],
    ];
}
