import { isFamilyMember } from './read-model-family';

describe('read-model family', () => {
  test.each([
    { group: 'order-projector-v2', member: true },
    { group: 'order-projector-v1b', member: true },
    { group: 'order-projector-v1-verify1', member: true },
    { group: 'order-projector-v1_27', member: true },
    { group: 'order-projector', member: false },
    { group: 'order-projector-views', member: false },
    { group: 'order-projector-v', member: false },
    { group: 'other-v2', member: false },
  ])('$group -> $member', ({ group, member }) => {
    expect(isFamilyMember('order-projector', group)).toBe(member);
  });
});
