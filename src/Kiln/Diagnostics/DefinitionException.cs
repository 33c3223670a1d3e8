namespace Kiln.Diagnostics;

/// <summary>Every problem found in a set of definitions, variable files or --var values, reported in one go.</summary>
public sealed class DefinitionException(IReadOnlyList<KilnDiagnostic> diagnostics)
    : KilnException(Format(diagnostics))
{
    public IReadOnlyList<KilnDiagnostic> Diagnostics { get; } = diagnostics;

    private static string Format(IReadOnlyList<KilnDiagnostic> diagnostics) =>
        diagnostics.Count == 1
            ? diagnostics[0].ToString()
            : $"{diagnostics.Count} errors:\n" + string.Join("\n", diagnostics);
}
