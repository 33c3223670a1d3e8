namespace Kiln.Targets;

/// <summary>A target named by its property delegate, or through a component interface the build may implement.</summary>
internal sealed class TargetReference
{
    readonly Target? direct;
    readonly Func<object, Target?>? viaComponent;

    TargetReference(Target? direct, Func<object, Target?>? viaComponent, Type? component, bool optional)
    {
        this.direct = direct;
        this.viaComponent = viaComponent;
        Component = component;
        Optional = optional;
    }

    public Type? Component { get; }

    public bool Optional { get; }

    public static TargetReference Direct(Target target) => new(target, null, null, optional: false);

    public static TargetReference Through<T>(Func<T, Target> select, bool optional) =>
        new(null, build => build is T component ? select(component) : null, typeof(T), optional);

    /// <summary>The delegate, or null when the build does not implement the component.</summary>
    public Target? Resolve(object build) => direct ?? viaComponent!(build);
}
