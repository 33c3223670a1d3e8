namespace Kiln.Definitions;

/// <summary>An older name of this key: still accepted, with a warning at its file:line:col that names the new one.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true)]
public sealed class FormerKeyAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}
