namespace Kiln.Diagnostics;

/// <summary>One problem in a user's input: where, what, and what to do about it.</summary>
public sealed record KilnDiagnostic(SourceLocation? Location, string Message, string? Hint = null)
{
    public override string ToString()
    {
        var where = Location is null ? "" : $"{Location}: ";
        var hint = Hint is null ? "" : $"\n  hint: {Hint}";
        return $"{where}error: {Message}{hint}";
    }
}
