namespace Kiln.Definitions;

/// <summary>
/// The keys of this property's class stand in the config itself, not under a key of their own (Packer's
/// <c>mapstructure:",squash"</c>), so two plugins share one set of keys declared once. Its class is bound, checked
/// and documented like the config's own keys; the property needs an initial instance.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class InlineKeysAttribute : Attribute;
