using System.Globalization;
using System.Text;

namespace Kiln.Definitions;

/// <summary>
/// A variable's or an expression's value. It remembers whether it came from a sensitive variable, so every
/// string built from it can be registered with the redactor, and whether it is a placeholder for something only
/// known during a build (validation resolves <c>build.*</c> and <c>image.*</c> that way).
/// </summary>
public abstract record Value
{
    public bool Sensitive { get; init; }

    public bool Symbolic { get; init; }

    public abstract string TypeName { get; }

    /// <summary>The text this value contributes to a string around it.</summary>
    public abstract string ToText();
}

public sealed record TextValue(string Text) : Value
{
    public override string TypeName => "string";

    public override string ToText() => Text;
}

public sealed record NumberValue(double Number) : Value
{
    public override string TypeName => "number";

    public override string ToText() => Number.ToString("R", CultureInfo.InvariantCulture);
}

public sealed record BoolValue(bool Flag) : Value
{
    public override string TypeName => "bool";

    public override string ToText() => Flag ? "true" : "false";
}

public sealed record ListValue(IReadOnlyList<Value> Items) : Value
{
    public override string TypeName => "list";

    public override string ToText() => "[" + string.Join(", ", Items.Select(i => i.ToText())) + "]";
}

public sealed record MapValue(IReadOnlyDictionary<string, Value> Entries) : Value
{
    public override string TypeName => "map";

    public override string ToText()
    {
        var text = new StringBuilder("{");
        foreach (var (key, value) in Entries)
        {
            text.Append(text.Length > 1 ? ", " : "").Append(key).Append(": ").Append(value.ToText());
        }

        return text.Append('}').ToString();
    }
}
