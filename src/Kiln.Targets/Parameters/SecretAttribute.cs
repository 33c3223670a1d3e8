namespace Kiln.Targets;

/// <summary>A parameter whose value is redacted from every line the host writes.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
