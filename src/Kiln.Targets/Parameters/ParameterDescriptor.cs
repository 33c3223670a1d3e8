using System.Reflection;

namespace Kiln.Targets;

/// <summary>A [Parameter] member: how it is named on the command line and in the environment, and how it gets its value.</summary>
internal sealed class ParameterDescriptor(MemberInfo member, Type valueType, ParameterAttribute attribute, bool isSecret)
{
    public MemberInfo Member { get; } = member;

    public string MemberName { get; } = member.Name[(member.Name.LastIndexOf('.') + 1)..];

    public Type ValueType { get; } = valueType;

    public string? Description { get; } = attribute.Description;

    public string Separator { get; } = attribute.Separator;

    public bool IsSecret { get; } = isSecret;

    public string OptionName => "--" + Names.Kebab(MemberName);

    public string EnvironmentName => "KILN_" + Names.Kebab(MemberName).Replace('-', '_').ToUpperInvariant();

    public string Key => Names.Normalize(MemberName);

    /// <summary>Fields (readonly too, as in Nuke) and settable properties receive their value; interface getters read it on demand.</summary>
    public bool IsAssignable => Member is FieldInfo || Member is PropertyInfo { CanWrite: true };

    public void Assign(object build, object? value)
    {
        switch (Member)
        {
            case FieldInfo field:
                field.SetValue(build, value);
                break;
            case PropertyInfo property:
                property.SetValue(build, value);
                break;
        }
    }

    /// <summary>The value the build class initialised the member with, shown as the default in --help.</summary>
    public object? ReadDefault(object build) => Member switch
    {
        FieldInfo field => field.GetValue(build),
        PropertyInfo { CanWrite: true } property => property.GetValue(build),
        _ => null,
    };
}
