/**
 * Names AWS gives, used by more than one runtime: the ECS service-linked role that the role guard
 * (lambda-src/ecs-service-role) creates when it is missing and `check` looks for
 * ("Using service-linked roles for Amazon ECS", Amazon ECS Developer Guide).
 */
export const ECS_SERVICE_ROLE = 'AWSServiceRoleForECS';
