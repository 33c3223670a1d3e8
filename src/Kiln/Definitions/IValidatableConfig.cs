namespace Kiln.Definitions;

/// <summary>
/// A plugin config with rules the binder cannot express (one of two keys, a value range that depends on another).
/// The loader calls it after binding and reports each problem at the location of the named property.
/// </summary>
public interface IValidatableConfig
{
    IEnumerable<ConfigProblem> Validate();
}

/// <summary>A rule broken in a config. <see cref="PropertyPath"/> is the YAML key path inside the entry, e.g. "base.bootstrap.suite".</summary>
public sealed record ConfigProblem(string PropertyPath, string Message, string? Hint = null);
