namespace Kiln.Targets;

/// <summary>A condition with the source text it was written as, so the summary can say why a target was skipped.</summary>
internal sealed record TargetCondition(Func<bool> Evaluate, string Text)
{
    /// <summary>"() => IsServerBuild" reads better as "IsServerBuild".</summary>
    public string DisplayText => StripLambda(Text);

    internal static string StripLambda(string text)
    {
        var trimmed = text.Trim();
        return trimmed.StartsWith("()", StringComparison.Ordinal) && trimmed.Contains("=>", StringComparison.Ordinal)
            ? trimmed[(trimmed.IndexOf("=>", StringComparison.Ordinal) + 2)..].Trim()
            : trimmed;
    }
}
