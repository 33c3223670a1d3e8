namespace Kiln.Definitions;

/// <summary>
/// Base of every builder's typed configuration (one entry under <c>sources:</c>). A builder owns a subclass;
/// the loader binds YAML keys to its properties by their snake_case names and generates the JSON Schema from it.
/// </summary>
public abstract class SourceConfig
{
}
