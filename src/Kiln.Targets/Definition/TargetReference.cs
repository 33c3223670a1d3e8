namespace Kiln.Targets;

/// <summary>A target named by its property delegate, or through a component interface the build may implement.</summary>
internal sealed class TargetReference
{
    private readonly Target? _direct;
    private readonly Func<object, Target?>? _viaComponent;

    private TargetReference(Target? direct, Func<object, Target?>? viaComponent, Type? component, bool optional)
    {
        _direct = direct;
        _viaComponent = viaComponent;
        Component = component;
        Optional = optional;
    }

    public Type? Component { get; }

    public bool Optional { get; }

    public static TargetReference Direct(Target target) => new(target, null, null, optional: false);

    public static TargetReference Through<T>(Func<T, Target> select, bool optional) =>
        new(null, build => build is T component ? select(component) : null, typeof(T), optional);

    /// <summary>The delegate, or null when the build does not implement the component.</summary>
    public Target? Resolve(object build) => _direct ?? _viaComponent!(build);
}
