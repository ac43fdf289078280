// User ids are JWT subjects, validated by the one rule every service applies (@omtobe/rules).
export { requireUserId } from '@omtobe/rules';
