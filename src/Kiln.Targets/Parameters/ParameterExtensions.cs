using System.Runtime.CompilerServices;

namespace Kiln.Targets;

public static class ParameterExtensions
{
    /// <summary>
    /// The bound value of a parameter declared as a getter on a component interface:
    /// <c>[Parameter] string? Image => this.Parameter&lt;string&gt;();</c>.
    /// </summary>
    public static T? Parameter<T>(this IKilnBuild build, [CallerMemberName] string name = "")
    {
        ArgumentNullException.ThrowIfNull(build);
        return build.Session.GetParameter<T>(name);
    }
}
