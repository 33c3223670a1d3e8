namespace Kiln.Targets;

/// <summary>
/// Marks a field or property bound from the command line (<c>--image web</c>) or the environment
/// (<c>KILN_IMAGE</c> or <c>IMAGE</c>). On a component interface, a getter reads its value with
/// <c>this.Parameter&lt;string&gt;()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ParameterAttribute(string? description = null) : Attribute
{
    public string? Description { get; } = description;

    /// <summary>Splits a list parameter's environment variable value (command-line values are separate arguments).</summary>
    public string Separator { get; init; } = " ";
}
