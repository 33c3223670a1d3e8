namespace Kiln.Definitions;

/// <summary>Where a Packer name is used: a template's top level, a builder, a provisioner, a post-processor, a plugin type, an expression.</summary>
public enum PackerScope
{
    Template,
    Builder,
    Provisioner,
    PostProcessor,
    PluginType,
    Expression,
}

/// <summary>
/// One Packer name and what Kiln calls it. <see cref="Kiln"/> is a key path in the Kiln config (<c>base.iso.checksum</c>),
/// a plugin or top-level name, or an expression; null when Kiln has no equivalent, and <see cref="Note"/> says what to do.
/// </summary>
public sealed record PackerName(PackerScope Scope, string Packer, string? Kiln, string? Note = null)
{
    /// <summary>The hint for a user who wrote the Packer name in a Kiln definition.</summary>
    public string Hint =>
        Kiln is null
            ? $"'{Packer}' is Packer's; Kiln has no equivalent: {Note}"
            : $"'{Packer}' is Packer's name; Kiln's is '{Kiln}'" + (Note is null ? "." : $" ({Note}).");
}
