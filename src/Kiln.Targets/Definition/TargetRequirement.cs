namespace Kiln.Targets;

/// <summary>A value a target needs before the build starts (null, empty text, an empty list and false fail it).</summary>
internal sealed record TargetRequirement(Func<object?> Evaluate, string Text)
{
    public string DisplayText => TargetCondition.StripLambda(Text);

    public bool IsMet() => Evaluate() switch
    {
        null => false,
        bool flag => flag,
        string text => !string.IsNullOrWhiteSpace(text),
        System.Collections.ICollection collection => collection.Count > 0,
        _ => true,
    };
}
