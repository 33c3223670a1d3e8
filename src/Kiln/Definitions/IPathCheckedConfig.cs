namespace Kiln.Definitions;

/// <summary>
/// A config whose rules need the definition's directory, such as "this local folder exists". Checked with
/// <see cref="IValidatableConfig"/>'s rules at ValidateImages, each problem located at its key.
/// </summary>
public interface IPathCheckedConfig
{
    IEnumerable<ConfigProblem> ValidatePaths(string definitionDirectory);
}
