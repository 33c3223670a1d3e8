namespace Kiln.Engine;

/// <summary>
/// The plugins a running build can call by type name: the steps that run a source's <c>provision</c>, <c>verify</c> and
/// <c>publish</c> entries look them up here, through <see cref="BuildContext.Plugins"/>. The plugin catalog implements it.
/// </summary>
public interface IBuildPlugins
{
    IReadOnlyDictionary<string, IProvisioner> Provisioners { get; }

    IReadOnlyDictionary<string, IPublisher> Publishers { get; }
}
